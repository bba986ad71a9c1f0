using System.CommandLine;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.Data;
using MndFhir.Mapping;
using MndFhir.Identity;
using MndFhir.Planning;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Pseudonymisation;
using MndFhir.Sync.Records;
using Microsoft.Extensions.Options;
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
        var destination = new Option<string?>("--destination", "-d") { Description = "As this destination would receive it: its consent scope, its MRN system, and references to the ids it holds (default: conditional references, no MRN)." };
        var command = new Command("map", "Dry run: map imported records to FHIR, validate them, and write the transaction bundle that would be sent, without sending it.") { patients, records, output, explain, destination };
        command.SetAction(async (parse, ct) =>
        {
            var patientIds = parse.GetValue(patients) ?? [];
            var recordIds = parse.GetValue(records) ?? [];
            if (patientIds.Length + recordIds.Length == 0)
            {
                await Console.Error.WriteLineAsync("mndfhir: name what to map with --patient ID and/or --record ID.");
                return ExitCodes.Usage;
            }

            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, readOnly: true);
            var explaining = parse.GetValue(explain);
            var mapper = explaining
                ? new FhirMapper(cli.Services.GetRequiredService<MappingSet>(), cli.Services.GetRequiredService<ClinicIdentity>(), explain: true)
                : cli.Services.GetRequiredService<FhirMapper>();
            var target = parse.GetValue(destination) is { } name ? cli.Services.GetRequiredService<IOptions<SyncSettings>>().Value.Find(name) : null;
            var (mapped, missing) = await MapAsync(cli.Services, mapper, target, patientIds, recordIds, ct);

            // Built by the same code the FHIR client sends bundles with.
            var json = FhirBundleBuilder.ConditionalUpdates(BundleKind.Transaction, mapped.Select(m => (m.Key, FhirJson.Serialize(m.Resource))).ToList(), target is null ? mapper.Identity : cli.Services.GetRequiredService<DestinationIdentities>().For(target), indented: true);
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, json, ct);
                await Console.Out.WriteLineAsync($"map: {mapped.Count} resources written to {file.FullName}");
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

    /// <summary>
    /// The resources of the named records, as the resource plan makes them for a sync: for a patient, the Patient, its
    /// Condition, every treatment and assessment, the questionnaire panels and the derived measures; for a single
    /// record, that record's resource and what is derived from it.
    /// </summary>
    public static async Task<(List<MappedResource> Mapped, List<string> Missing)> MapAsync(
        IServiceProvider services, FhirMapper mapper, DestinationOptions? destination, string[] patientIds, string[] recordIds, CancellationToken ct)
    {
        var plan = new ResourcePlan(mapper);
        var identities = services.GetRequiredService<DestinationIdentities>();
        IReferenceResolver resolver = destination is null
            ? new ConditionalReferenceResolver(mapper.Identity)
            : new LedgerReferenceResolver(await services.GetRequiredService<DeliveryLedger>().LoadAsync(destination.Name, ct), identities.For(destination));
        var target = destination is null ? PlanTarget.Clinic : identities.TargetFor(destination);
        var consentingOnly = destination?.RequiresRegistryConsent == true;
        await using var db = await services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct);
        var mapped = new List<MappedResource>();
        if (patientIds.Length > 0)
        {
            var source = new DatabaseRecordSource(db, new RecordScope { PatientIds = patientIds, ConsentingOnly = consentingOnly });
            mapped.AddRange(await plan.AllAsync(source, resolver, target, ct).Select(r => r.Mapped).ToListAsync(ct));
        }

        if (recordIds.Length > 0)
        {
            var source = new DatabaseRecordSource(db, new RecordScope { RecordIds = recordIds, ConsentingOnly = consentingOnly });
            mapped.AddRange(await plan.AllAsync(source, resolver, target, ct).Select(r => r.Mapped).ToListAsync(ct));
        }

        var found = mapped.Select(m => m.RecordId).ToHashSet(StringComparer.Ordinal);
        var missing = patientIds.Concat(recordIds).Where(id => !found.Contains(id)).ToList();
        return (mapped, missing);
    }
}
