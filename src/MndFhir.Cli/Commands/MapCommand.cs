using System.CommandLine;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.Data;
using MndFhir.Mapping;
using MndFhir.Serialization;

namespace MndFhir.Cli.Commands;

internal static class MapCommand
{
    public static Command Create()
    {
        var patients = new Option<string[]>("--patient", "-p") { Description = "Patient ids: the patient, the diagnosis and all of the patient's treatments and assessments.", AllowMultipleArgumentsPerToken = true };
        var records = new Option<string[]>("--record", "-r") { Description = "Single treatment or assessment ids.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the bundle to this file (default: standard output)." };
        var command = new Command("map", "Dry run: map imported records to FHIR and write the transaction bundle that would be sent, without sending it.") { patients, records, output };
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
            var (bundle, missing) = await BuildAsync(cli.Services, patientIds, recordIds, ct);
            var json = FhirJson.Serialize(bundle, indented: true);
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, json, ct);
                await Console.Out.WriteLineAsync($"map: {bundle.Entry.Count} resources written to {file.FullName}");
            }
            else
            {
                await Console.Out.WriteLineAsync(json);
            }

            foreach (var id in missing)
            {
                await Console.Error.WriteLineAsync($"map: no imported record has the id '{id}'");
            }

            return missing.Count == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>The transaction bundle for the records, with references by business identifier (conditional references).</summary>
    public static async Task<(Bundle Bundle, List<string> Missing)> BuildAsync(IServiceProvider services, string[] patientIds, string[] recordIds, CancellationToken ct)
    {
        var mapper = services.GetRequiredService<FhirMapper>();
        var resolver = new ConditionalReferenceResolver(mapper.Identity);
        await using var db = await services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct);
        var mapped = new List<MappedResource>();
        var missing = new List<string>();
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

            await foreach (var a in db.Assessments.AsNoTracking().Where(a => a.PatientId == id).OrderBy(a => a.AssessmentId).AsAsyncEnumerable().WithCancellation(ct))
            {
                mapped.Add(mapper.MapObservation(a, resolver));
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
            }
            else
            {
                missing.Add(id);
            }
        }

        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        foreach (var m in mapped)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = m.Key.ToUrnUuid(),
                Resource = m.Resource,
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = mapper.Identity.ConditionalUrl(m.Key) },
            });
        }

        return (bundle, missing);
    }
}
