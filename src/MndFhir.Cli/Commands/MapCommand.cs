using System.CommandLine;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.Data;
using MndFhir.Mapping;
using MndFhir.Identity;
using MndFhir.Records;
using MndFhir.Serialization;
using MndFhir.Validation;
using Task = System.Threading.Tasks.Task;

namespace MndFhir.Cli.Commands;

internal static class MapCommand
{
    public static Command Create()
    {
        var patients = new Option<string[]>("--patient", "-p") { Description = "Patient ids: the patient, the diagnosis and all of the patient's treatments and assessments.", AllowMultipleArgumentsPerToken = true };
        var records = new Option<string[]>("--record", "-r") { Description = "Single treatment or assessment ids.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the bundle to this file (default: standard output)." };
        var explain = new Option<bool>("--explain") { Description = "For every resource, which clinic columns and which mapping rule produced each element. Printed instead of the bundle unless --out is given." };
        var command = new Command("map", "Dry run: map imported records to FHIR, validate them, and write the transaction bundle that would be sent, without sending it.") { patients, records, output, explain };
        command.SetAction(async (parse, ct) =>
        {
            var patientIds = parse.GetValue(patients) ?? [];
            var recordIds = parse.GetValue(records) ?? [];
            if (patientIds.Length + recordIds.Length == 0)
            {
                await Console.Error.WriteLineAsync("Name what to map with --patient ID and/or --record ID.");
                return 2;
            }

            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct);
            var explaining = parse.GetValue(explain);
            var mapper = explaining
                ? new FhirMapper(cli.Services.GetRequiredService<MappingSet>(), cli.Services.GetRequiredService<ClinicIdentity>(), explain: true)
                : cli.Services.GetRequiredService<FhirMapper>();
            var (mapped, missing) = await MapAsync(cli.Services, mapper, patientIds, recordIds, ct);
            var bundle = Bundle(mapper, mapped);
            var json = FhirJson.Serialize(bundle, indented: true);
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, json, ct);
                await Console.Out.WriteLineAsync($"map: {bundle.Entry.Count} resources written to {file.FullName}");
            }
            else if (!explaining)
            {
                await Console.Out.WriteLineAsync(json);
            }

            if (explaining)
            {
                await WriteExplanationAsync(mapped, Console.Out);
            }

            // The same validation the sync applies before sending (FHIR R4 and mappings/profiles).
            var validator = cli.Services.GetRequiredService<IResourceValidator>();
            var invalid = 0;
            foreach (var m in mapped)
            {
                var report = validator.Validate(m.Resource);
                invalid += report.IsValid ? 0 : 1;
                foreach (var line in report.Lines())
                {
                    await Console.Error.WriteLineAsync($"map: {m.Key} would not be sent: {line}");
                }
            }

            await Console.Error.WriteLineAsync($"map: {mapped.Count} resources, {invalid} invalid");
            foreach (var id in missing)
            {
                await Console.Error.WriteLineAsync($"map: no imported record has the id '{id}'");
            }

            return missing.Count == 0 && invalid == 0 ? 0 : 1;
        });
        return command;
    }

    private static async Task WriteExplanationAsync(IReadOnlyList<MappedResource> mapped, TextWriter output)
    {
        foreach (var m in mapped)
        {
            await output.WriteLineAsync($"{m.Key} (record {m.RecordId})");
            var width = m.Explanation.Select(e => e.Element.Length).DefaultIfEmpty(0).Max();
            foreach (var e in m.Explanation)
            {
                await output.WriteLineAsync($"  {e.Element.PadRight(width)}  <- {(e.Input.Length == 0 ? "-" : e.Input)}");
                await output.WriteLineAsync($"  {new string(' ', width)}     rule: {e.Rule}");
            }

            await output.WriteLineAsync();
        }
    }

    /// <summary>The transaction bundle that would be sent, with references by business identifier (conditional references).</summary>
    public static Bundle Bundle(FhirMapper mapper, IEnumerable<MappedResource> mapped)
    {
        var bundle = new Bundle { Type = Hl7.Fhir.Model.Bundle.BundleType.Transaction };
        foreach (var m in mapped)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = m.Key.ToUrnUuid(),
                Resource = m.Resource,
                Request = new Bundle.RequestComponent { Method = Hl7.Fhir.Model.Bundle.HTTPVerb.PUT, Url = mapper.Identity.ConditionalUrl(m.Key) },
            });
        }

        return bundle;
    }

    /// <summary>
    /// The resources of the named records: for a patient, the Patient, its Condition, every treatment and assessment,
    /// the questionnaire panels and the derived measures; for a single record, that record's resource (and what is
    /// derived from it).
    /// </summary>
    public static async Task<(List<MappedResource> Mapped, List<string> Missing)> MapAsync(
        IServiceProvider services, FhirMapper mapper, string[] patientIds, string[] recordIds, CancellationToken ct)
    {
        var resolver = new ConditionalReferenceResolver(mapper.Identity);
        var rules = mapper.Rules;
        await using var db = await services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct);
        var mapped = new List<MappedResource>();
        var missing = new List<string>();
        var panelOf = rules.PanelOfMeasure;

        async Task<ClinicDate?> OnsetAsync(string patientId) =>
            (await db.Patients.AsNoTracking().Where(p => p.PatientId == patientId).Select(p => new { p.OnsetDate }).FirstOrDefaultAsync(ct))?.OnsetDate;

        void Derived(AssessmentRecord a, ClinicDate? onset) =>
            mapped.AddRange(rules.DerivedFrom(a.Code).Select(d => mapper.MapDerived(d, a, onset, resolver)));

        foreach (var id in patientIds)
        {
            var patient = await db.Patients.AsNoTracking().FirstOrDefaultAsync(p => p.PatientId == id, ct);
            if (patient is null)
            {
                missing.Add(id);
                continue;
            }

            mapped.Add(mapper.MapPatient(patient, mrnSystem: null));
            mapped.Add(mapper.MapCondition(patient, resolver));
            await foreach (var t in db.Treatments.AsNoTracking().Where(t => t.PatientId == id).OrderBy(t => t.TreatmentId).AsAsyncEnumerable().WithCancellation(ct))
            {
                mapped.Add(mapper.MapProcedure(t, resolver));
            }

            var assessments = await db.Assessments.AsNoTracking().Where(a => a.PatientId == id).OrderBy(a => a.AssessmentId).ToListAsync(ct);
            mapped.AddRange(assessments.Select(a => mapper.MapObservation(a, resolver)));
            foreach (var panel in assessments.Where(a => a.PanelId is not null && panelOf.ContainsKey(a.Code)).GroupBy(a => (panelOf[a.Code].Code, a.PanelId!)).OrderBy(g => g.Key.Item2, StringComparer.Ordinal))
            {
                mapped.Add(mapper.MapPanel(rules.Panels[panel.Key.Code], panel.Key.Item2, panel.ToList(), resolver));
            }

            foreach (var a in assessments)
            {
                Derived(a, patient.OnsetDate);
            }
        }

        foreach (var id in recordIds)
        {
            if (await db.Treatments.AsNoTracking().FirstOrDefaultAsync(t => t.TreatmentId == id, ct) is { } t)
            {
                mapped.Add(mapper.MapProcedure(t, resolver));
            }
            else if (await db.Assessments.AsNoTracking().FirstOrDefaultAsync(a => a.AssessmentId == id, ct) is { } a)
            {
                mapped.Add(mapper.MapObservation(a, resolver));
                Derived(a, await OnsetAsync(a.PatientId));
            }
            else
            {
                missing.Add(id);
            }
        }

        return (mapped, missing);
    }
}
