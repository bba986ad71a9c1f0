using System.CommandLine;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.Data;
using MndFhir.Mapping;
using MndFhir.Identity;
using MndFhir.Planning;
using MndFhir.Sync.Records;
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
    /// The resources of the named records, as the resource plan makes them for a sync: for a patient, the Patient, its
    /// Condition, every treatment and assessment, the questionnaire panels and the derived measures; for a single
    /// record, that record's resource and what is derived from it.
    /// </summary>
    public static async Task<(List<MappedResource> Mapped, List<string> Missing)> MapAsync(
        IServiceProvider services, FhirMapper mapper, string[] patientIds, string[] recordIds, CancellationToken ct)
    {
        var plan = new ResourcePlan(mapper);
        var resolver = new ConditionalReferenceResolver(mapper.Identity);
        await using var db = await services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct);
        var mapped = new List<MappedResource>();
        if (patientIds.Length > 0)
        {
            var source = new DatabaseRecordSource(db, new RecordScope { PatientIds = patientIds });
            mapped.AddRange(await plan.AllAsync(source, resolver, mrnSystem: null, ct).Select(r => r.Mapped).ToListAsync(ct));
        }

        if (recordIds.Length > 0)
        {
            var source = new DatabaseRecordSource(db, new RecordScope { RecordIds = recordIds });
            mapped.AddRange(await plan.AllAsync(source, resolver, mrnSystem: null, ct).Select(r => r.Mapped).ToListAsync(ct));
        }

        var found = mapped.Select(m => m.Key.ResourceType == "Patient" ? m.Key.BusinessId : m.RecordId).ToHashSet(StringComparer.Ordinal);
        var missing = patientIds.Concat(recordIds).Where(id => !found.Contains(id)).ToList();
        return (mapped, missing);
    }
}
