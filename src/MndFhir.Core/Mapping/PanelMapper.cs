using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Records;

namespace MndFhir.Mapping;

/// <summary>
/// Maps one administration of a questionnaire (the rows sharing a panel_id) to the panel Observation, e.g. ALSFRS-R
/// 82954-9, whose hasMember points at the item and total Observations in force (terminology.md, "Questionnaire scores").
/// A withdrawn item or total (entered-in-error, or gone from the export) leaves the members: its own Observation goes
/// as entered-in-error, and a panel still pointing at it would count it, or wait forever for it when no destination
/// ever received it. A panel withdrawn whole keeps the members it had (the destination received it with them; a
/// value-less Observation needs hasMember).
/// </summary>
internal sealed class PanelMapper(MappingSet rules, ClinicIdentity identity, bool explain = false)
{
    /// <summary>
    /// Panel business ids: <c>panel:{panel code}:{panel_id}</c>. A colon is outside the clinic's id alphabet, so a panel's
    /// identifier can never equal one made from an assessment_id (an assessment may well be called <c>panel-AP1</c>).
    /// </summary>
    public static ResourceKey Key(PanelMapping panel, string panelId) => new("Observation", $"panel:{panel.Code}:{panelId}");

    public MappedResource Map(PanelMapping panel, string panelId, IReadOnlyList<AssessmentRecord> members, IReferenceResolver resolver)
    {
        var key = Key(panel, panelId);
        var refs = new ReferenceCollector(resolver, explain ? new MappingTrace() : null);
        var trace = refs.Trace;
        var order = panel.Items.Append(panel.Total).OfType<string>().Select((code, i) => (code, i)).ToDictionary(x => x.code, x => x.i, StringComparer.Ordinal);
        var ordered = members.OrderBy(m => order.GetValueOrDefault(m.Code, int.MaxValue)).ThenBy(m => m.AssessmentId, StringComparer.Ordinal).ToList();
        var live = ordered.Where(m => !m.IsRemoved && m.Status != AssessmentStatus.EnteredInError).ToList();
        var shown = live.Count > 0 ? live : ordered;
        var total = shown.FirstOrDefault(m => m.Code == panel.Total);
        var observation = new Observation
        {
            Status = live.Count == 0 ? ObservationStatus.EnteredInError
                : live.Any(m => m.Status == AssessmentStatus.Amended) ? ObservationStatus.Amended
                : ObservationStatus.Final,
            Code = CodingFactory.Concept(panel.Coding, rules.ClinicSystem(ClinicCodeSystems.Measure), panel.Code, panel.Display),
            Subject = refs.To(new ResourceKey("Patient", ordered[0].PatientId)),
            Effective = new FhirDateTime((total ?? shown.MinBy(m => m.Effective)!).Effective.Value),
        };
        observation.Identifier.Add(identity.IdentifierFor(key));
        observation.Meta = new Meta { Profile = [rules.Profile(ProjectProfiles.OutcomeObservation)] };
        observation.Category.Add(new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "survey"));
        foreach (var member in shown)
        {
            observation.HasMember.Add(refs.To(new ResourceKey("Observation", member.AssessmentId)));
        }

        trace?.Add("identifier", $"panel_id={panelId}", TraceRules.Identity + "; business id panel:{panel code}:{panel_id}");
        trace?.Add("meta.profile", string.Empty, TraceRules.Profile(ProjectProfiles.OutcomeObservation));
        trace?.Add("status", "status of the member rows", TraceRules.BuiltIn("entered-in-error when every member is voided or removed, amended when any is amended, else final"));
        trace?.Add("code", $"panel {panel.Code}", panel.Source);
        trace?.Add("effectiveDateTime", total is null ? "earliest member effective" : $"effective of {panel.Total}", TraceRules.BuiltIn("the total's date, else the earliest member's"));
        trace?.Add("hasMember", $"{shown.Count} rows with panel_id={panelId}{(shown.Count < ordered.Count ? $" ({ordered.Count - shown.Count} withdrawn left out)" : string.Empty)}", panel.Source + " (items, total; withdrawn rows left out unless all are)");

        return refs.Result(key, panelId, observation, retracted: live.Count == 0);
    }
}
