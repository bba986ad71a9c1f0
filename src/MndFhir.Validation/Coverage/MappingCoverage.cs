using MndFhir.Identity;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Planning;
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
        var rows = Rows(rules);
        var byKey = rows.ToDictionary(r => (r.Kind, r.Code));
        var parser = new ClinicExportParser();
        var births = new Dictionary<string, ClinicDate>(StringComparer.Ordinal);
        var context = new IntakeContext(rules, DateOnly.FromDateTime(DateTime.UtcNow), id => births.TryGetValue(id, out var birth) ? birth : null, _ => true);
        var rejected = 0;

        CoverageRow? Row(string kind, string? code) => code is not null && byKey.TryGetValue((kind, code), out var row) ? row : null;

        void Count(string kind, string? code)
        {
            if (Row(kind, code) is { } row)
            {
                row.Rows++;
            }
        }

        async Task<List<T>> ReadAsync<T>(string file, Func<TextReader, IAsyncEnumerable<ParsedRow<T>>> read, Action<T> seen)
            where T : class
        {
            var records = new List<T>();
            using var reader = new StreamReader(Path.Combine(exportFolder, file));
            await foreach (var row in read(reader))
            {
                if (row.Record is { } record)
                {
                    records.Add(record);
                    seen(record);
                }
                else
                {
                    rejected++;
                }
            }

            return records;
        }

        var patients = await ReadAsync<PatientRecord>("patients.csv", r => parser.ReadPatientsAsync(r, context, ct), p =>
        {
            births[p.PatientId] = p.BirthDate;
            Count(Kinds.OnsetRegion, p.OnsetRegion?.ToString().ToLowerInvariant());
        });
        var treatments = await ReadAsync<TreatmentRecord>("treatments.csv", r => parser.ReadTreatmentsAsync(r, context, ct), t =>
        {
            Count(Kinds.BodySite, t.BodySite ?? rules.Treatments.GetValueOrDefault(t.Code)?.DefaultBodySite);
            Count(Kinds.CellType, t.CellType);
        });
        var assessments = await ReadAsync<AssessmentRecord>("assessments.csv", r => parser.ReadAssessmentsAsync(r, context, ct), a => Count(Kinds.BodySite, a.BodySite));

        // The resources: exactly what the resource plan makes of these records for a sync.
        var plan = new ResourcePlan(new FhirMapper(rules, identity));
        var source = new InMemoryRecordSource(patients, treatments, assessments);
        var produced = new List<(CoverageRow Row, MappedResource Mapped)>();
        await foreach (var planned in plan.AllAsync(source, new ConditionalReferenceResolver(identity), PlanTarget.Clinic, ct))
        {
            if (Row(Kind(planned.Kind), planned.Code) is { } row)
            {
                row.Rows++;
                produced.Add((row, planned.Mapped));
            }
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
            Treatments = treatments.Count,
            Assessments = assessments.Count,
            Rejected = rejected,
            Resources = produced.Count,
            Invalid = verdicts.Count(v => !v.IsValid),
        };
    }

    private static string Kind(ResourceKind kind) => kind switch
    {
        ResourceKind.Patient => Kinds.Resource,
        ResourceKind.Condition => Kinds.Diagnosis,
        ResourceKind.Procedure => Kinds.Treatment,
        ResourceKind.Observation => Kinds.Measure,
        ResourceKind.Panel => Kinds.Panel,
        ResourceKind.Derived => Kinds.Derived,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown resource kind"),
    };

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
