using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;
using MndFhir.Planning;
using MndFhir.Serialization;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Ledger;
using MndFhir.Validation;

namespace MndFhir.Sync.Runs;

/// <summary>
/// Nothing invalid is sent: every resource of a batch is validated against FHIR R4 and the project profiles, and the
/// invalid ones are taken out and written to the ledger as failed with the validator's issues (errors first), so that
/// dead-letters list and show name the element and the rule. A later sync validates them again, so a fixed mapping
/// sends them.
/// </summary>
public sealed class ValidationGate(IResourceValidator validator, DeliveryLedger ledger, ILogger<ValidationGate> logger)
{
    /// <summary>
    /// How many resources of a batch are validated at once, and so how many full validators the validator may run at
    /// once (the cores, at most 2): a batch of new shapes, which each need the Firely validator, takes about half the
    /// time on two cores while the destination waits for it.
    /// </summary>
    public static int Parallelism { get; } = Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <summary>Gets the validator ready in the background for a run whose shapes are likely new (see <see cref="IResourceValidator.Prepare"/>).</summary>
    public void Prepare() => validator.Prepare(ResourcePlan.ResourceTypes);

    /// <summary>
    /// Removes the invalid resources from <paramref name="batch"/> and records them; returns how many there were. The
    /// items left are <see cref="ChangeSetItem.WithoutObjectModel"/>.
    /// </summary>
    public async Task<int> SetAsideInvalidAsync(List<ChangeSetItem> batch, LedgerSnapshot snapshot, CancellationToken ct)
    {
        var reports = new ValidationReport[batch.Count];
        Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, i =>
            reports[i] = validator.Validate(batch[i].Mapped.Resource, batch[i].Hash));

        // The valid ones stay, in order, without their object model (validation is the last to need it: what goes on is
        // sent as JSON); the invalid ones are taken out.
        var invalid = new List<(ChangeSetItem Item, ValidationReport Report)>();
        var kept = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (reports[i].IsValid)
            {
                batch[kept++] = batch[i].WithoutObjectModel();
            }
            else
            {
                invalid.Add((batch[i], reports[i]));
            }
        }

        batch.RemoveRange(kept, batch.Count - kept);
        if (invalid.Count == 0)
        {
            return 0;
        }

        var items = invalid.Select(x => x.Item).ToList();
        var results = invalid.Select(x => DeliveryResult.Rejected(x.Item.Mapped.Key, status: null, InvalidOutcome(x.Report))).ToList();
        await ledger.RecordAsync(snapshot, items, results, ct);
        logger.LogWarning("{Count} resources failed validation and were not sent (first: {Type}/{BusinessId})", items.Count, items[0].Mapped.Key.ResourceType, items[0].Mapped.Key.BusinessId);
        return items.Count;
    }

    private static string InvalidOutcome(ValidationReport report)
    {
        var outcome = new OperationOutcome();
        outcome.Issue.AddRange(report.Errors);
        outcome.Issue.AddRange(report.Outcome.Issue.Except(report.Errors));
        outcome.Issue.Add(new OperationOutcome.IssueComponent
        {
            Severity = OperationOutcome.IssueSeverity.Information,
            Code = OperationOutcome.IssueType.Informational,
            Diagnostics = "MndFhir validated this resource against FHIR R4 and its profiles before sending and did not send it.",
        });
        return FhirJson.Serialize(outcome);
    }
}
