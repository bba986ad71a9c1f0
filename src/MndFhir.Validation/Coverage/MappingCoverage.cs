using MndFhir.Identity;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Validation.Coverage;

/// <summary>
/// Maps a whole export (the samples, or a clinic's real export on a developer's machine) without a database or a
/// destination, validates every resource, and tallies the result per clinic code. References are conditional
/// (business identifiers), as in the dry run.
/// </summary>
public static class MappingCoverage
{
    /// <param name="exportName">How the report names the export (a path relative to the repository, say).</param>
    public static async Task<CoverageReport> BuildAsync(
        MappingSet rules, ClinicIdentity identity, IResourceValidator validator, string exportFolder, string exportName, CancellationToken ct)
    {
        var mapper = new FhirMapper(rules, identity);
        var resolver = new ConditionalReferenceResolver(identity);
        var rows = Rows(rules);
        var byKey = rows.ToDictionary(r => (r.Kind, r.Code));
        var produced = new List<(CoverageRow Row, MappedResource Mapped)>();
        var parser = new ClinicExportParser();
        var births = new Dictionary<string, ClinicDate>(StringComparer.Ordinal);
        var context = new IntakeContext(rules, DateOnly.FromDateTime(DateTime.UtcNow), id => births.TryGetValue(id, out var birth) ? birth : null, _ => true);
        var rejected = 0;

        void Use(string kind, string? code, MappedResource? mapped = null)
        {
            if (code is not null && byKey.TryGetValue((kind, code), out var row))
            {
                row.Rows++;
                if (mapped is not null)
                {
                    produced.Add((row, mapped));
                }
            }
        }

        var patients = new List<PatientRecord>();
        using (var reader = new StreamReader(Path.Combine(exportFolder, "patients.csv")))
        {
            await foreach (var row in parser.ReadPatientsAsync(reader, context, ct))
            {
                if (row.Record is not { } p)
                {
                    rejected++;
                    continue;
                }

                patients.Add(p);
                births[p.PatientId] = p.BirthDate;
                Use(Kinds.Resource, "Patient", mapper.MapPatient(p, mrnSystem: null));
                Use(Kinds.Diagnosis, p.Diagnosis.ToString(), mapper.MapCondition(p, resolver));
                Use(Kinds.OnsetRegion, p.OnsetRegion?.ToString().ToLowerInvariant());
            }
        }

        var treatments = 0;
        using (var reader = new StreamReader(Path.Combine(exportFolder, "treatments.csv")))
        {
            await foreach (var row in parser.ReadTreatmentsAsync(reader, context, ct))
            {
                if (row.Record is not { } t)
                {
                    rejected++;
                    continue;
                }

                treatments++;
                Use(Kinds.Treatment, t.Code, mapper.MapProcedure(t, resolver));
                Use(Kinds.BodySite, t.BodySite ?? rules.Treatments.GetValueOrDefault(t.Code)?.DefaultBodySite);
                Use(Kinds.CellType, t.CellType);
            }
        }

        var onsets = patients.ToDictionary(p => p.PatientId, p => p.OnsetDate, StringComparer.Ordinal);
        var panels = new Dictionary<(string Panel, string PanelId), List<AssessmentRecord>>();
        var assessments = 0;
        using (var reader = new StreamReader(Path.Combine(exportFolder, "assessments.csv")))
        {
            await foreach (var row in parser.ReadAssessmentsAsync(reader, context, ct))
            {
                if (row.Record is not { } a)
                {
                    rejected++;
                    continue;
                }

                assessments++;
                Use(Kinds.Measure, a.Code, mapper.MapObservation(a, resolver));
                Use(Kinds.BodySite, a.BodySite);
                foreach (var derived in rules.DerivedFrom(a.Code))
                {
                    Use(Kinds.Derived, derived.Code, mapper.MapDerived(derived, a, onsets.GetValueOrDefault(a.PatientId), resolver));
                }

                if (a.PanelId is { } panelId && rules.PanelOfMeasure.TryGetValue(a.Code, out var panel))
                {
                    var key = (panel.Code, panelId);
                    if (!panels.TryGetValue(key, out var members))
                    {
                        panels[key] = members = [];
                    }

                    members.Add(a);
                }
            }
        }

        foreach (var ((panel, panelId), members) in panels)
        {
            Use(Kinds.Panel, panel, mapper.MapPanel(rules.Panels[panel], panelId, members, resolver));
        }

        var verdicts = produced.Select(p => validator.Validate(p.Mapped.Resource)).ToList();
        foreach (var ((row, mapped), report) in produced.Zip(verdicts))
        {
            row.Resources++;
            if (!report.IsValid)
            {
                row.Invalid++;
                row.FirstProblem ??= $"{mapped.Key}: {ValidationReport.Line(report.Errors.First())}";
            }
        }

        return new CoverageReport
        {
            Export = exportName.Replace('\\', '/'),
            Rows = rows,
            Patients = patients.Count,
            Treatments = treatments,
            Assessments = assessments,
            Rejected = rejected,
            Resources = produced.Count,
            Invalid = verdicts.Count(v => !v.IsValid),
        };
    }

    private static List<CoverageRow> Rows(MappingSet rules)
    {
        string Target(IEnumerable<CodingSpec> codings)
        {
            var standard = codings.Select(c => $"{Alias(rules, c.System)} {c.Code}").ToList();
            return standard.Count == 0 ? "clinic only" : string.Join(", ", standard);
        }

        string MeasureTarget(MeasureMapping m) =>
            Target(m.Coding) + string.Concat(m.Variants.Select(v => $"; when {string.Join(" ", v.When.Select(w => $"{w.Key}={w.Value}"))}: {Target(v.Coding)}"));

        ConceptMapping? Concept(IReadOnlyDictionary<string, ConceptMapping> map, string code) => map.GetValueOrDefault(code);

        return
        [
            new CoverageRow(Kinds.Resource, "Patient", "The patient (clinic id, hospital MRN, name, sex, birth and death dates)", "Patient", null),
            .. ClinicVocabulary.Diagnoses.Select(c => new CoverageRow(Kinds.Diagnosis, c, Concept(rules.Diagnoses, c)?.Display ?? "(no mapping)", Target(Concept(rules.Diagnoses, c)?.Coding ?? []), null)),
            .. ClinicVocabulary.OnsetRegions.Select(c => new CoverageRow(Kinds.OnsetRegion, c, Concept(rules.OnsetRegions, c)?.Display ?? "(no mapping)", Target(Concept(rules.OnsetRegions, c)?.Coding ?? []), null)),
            .. ClinicVocabulary.TreatmentCodes.Select(c => rules.Treatments.TryGetValue(c, out var t)
                ? new CoverageRow(Kinds.Treatment, c, t.Display, Target(t.Coding) + (t.Route is { } r ? $"; route {Alias(rules, r.System)} {r.Code}" : string.Empty), null)
                : new CoverageRow(Kinds.Treatment, c, "(no mapping)", "-", null)),
            .. ClinicVocabulary.MeasureCodes.Select(c => rules.Measures.TryGetValue(c, out var m)
                ? new CoverageRow(Kinds.Measure, c, m.Display, MeasureTarget(m), m.Value.Unit)
                : new CoverageRow(Kinds.Measure, c, "(no mapping)", "-", null)),
            .. rules.Panels.Values.OrderBy(p => p.Code, StringComparer.Ordinal).Select(p => new CoverageRow(Kinds.Panel, p.Code, p.Display, Target(p.Coding), null)),
            .. rules.Derived.Values.OrderBy(d => d.Code, StringComparer.Ordinal).Select(d => new CoverageRow(Kinds.Derived, d.Code, d.Display, Target(d.Coding), d.Unit)),
            .. ClinicVocabulary.BodySites.Select(c => new CoverageRow(Kinds.BodySite, c, Concept(rules.BodySites, c)?.Display ?? "(no mapping)", Target(Concept(rules.BodySites, c)?.Coding ?? []), null)),
            .. ClinicVocabulary.CellTypes.Select(c => new CoverageRow(Kinds.CellType, c, Concept(rules.CellTypes, c)?.Display ?? "(no mapping)", Target(Concept(rules.CellTypes, c)?.Coding ?? []), null)),
        ];
    }

    private static string Alias(MappingSet rules, string system) =>
        rules.Systems.FirstOrDefault(s => s.Value == system).Key ?? system;

    private static class Kinds
    {
        public const string Resource = "patients";
        public const string Diagnosis = "diagnoses (Condition)";
        public const string OnsetRegion = "onset regions";
        public const string Treatment = "treatments (Procedure)";
        public const string Measure = "measures (Observation)";
        public const string Panel = "panels (Observation)";
        public const string Derived = "derived measures (Observation)";
        public const string BodySite = "body sites";
        public const string CellType = "cell types";
    }
}
