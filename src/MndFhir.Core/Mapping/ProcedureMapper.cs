using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Records;

namespace MndFhir.Mapping;

/// <summary>Maps a treatment row to a Procedure: code, status, period, route, body site, performer, course position.</summary>
internal sealed class ProcedureMapper(MappingSet rules, ClinicIdentity identity, bool explain = false)
{
    public const string RouteExtension = "procedure-route";
    public const string CourseSessionExtension = "procedure-course-session";
    public const string CellCountExtension = "cell-count";
    public const string CellSourceExtension = "cell-source";
    public const string CellProductExtension = "procedure-cell-product";

    public MappedResource Map(TreatmentRecord record, IReferenceResolver resolver)
    {
        var key = new ResourceKey("Procedure", record.TreatmentId);
        var rule = rules.Treatments.TryGetValue(record.Code, out var r)
            ? r
            : throw new MappingException(key, $"treatment code '{record.Code}' has no mapping");
        var refs = new ReferenceCollector(resolver, explain ? new MappingTrace() : null);
        var trace = refs.Trace;
        var procedure = new Procedure
        {
            Status = record.IsRemoved ? EventStatus.EnteredInError : record.Status switch
            {
                TreatmentStatus.InProgress => EventStatus.InProgress,
                TreatmentStatus.NotDone => EventStatus.NotDone,
                TreatmentStatus.EnteredInError => EventStatus.EnteredInError,
                _ => EventStatus.Completed,
            },
            Code = CodingFactory.Concept(rule.Coding, rules.ClinicSystem(ClinicCodeSystems.Treatment), rule.Code, rule.Display),
            Subject = refs.To(new ResourceKey("Patient", record.PatientId)),
            Performed = record.PerformedEnd is { } end
                ? new Period(new FhirDateTime(record.PerformedStart.Value), new FhirDateTime(end.Value))
                : new FhirDateTime(record.PerformedStart.Value),
        };
        procedure.Identifier.Add(identity.IdentifierFor(key));
        if (rule.Profile is { } profile)
        {
            procedure.Meta = new Meta { Profile = [rules.Profile(profile)] };
            trace?.Add("meta.profile", $"code={record.Code}", $"{rule.Source} (profile: {profile})");
        }

        trace?.Add("identifier", $"treatment_id={record.TreatmentId}", TraceRules.Identity);
        trace?.Add("status", $"status={record.Status}{(record.IsRemoved ? " (row removed from the export)" : string.Empty)}", TraceRules.BuiltIn("status map: in-progress, not-done, entered-in-error, else completed; removed rows entered-in-error"));
        trace?.Add("code", $"code={record.Code}", rule.Source);
        trace?.Add("subject", $"patient_id={record.PatientId}", TraceRules.Reference);
        trace?.Add(procedure.Performed is Period ? "performedPeriod" : "performedDateTime", $"performed_start={record.PerformedStart}, performed_end={record.PerformedEnd}", TraceRules.BuiltIn("a period when the row has an end, else the start"));

        if (rule.Route is { } route)
        {
            procedure.Extension.Add(new Extension(rules.Extension(RouteExtension), new CodeableConcept { Coding = [CodingFactory.Coding(route)] }));
            trace?.Add($"extension[{RouteExtension}]", $"code={record.Code}", $"{rule.Source} (route)");
        }

        if ((record.BodySite ?? rule.DefaultBodySite) is { } site && rules.BodySites.TryGetValue(site, out var siteRule))
        {
            procedure.BodySite.Add(CodingFactory.Concept(siteRule, rules.ClinicSystem(ClinicCodeSystems.BodySite)));
            trace?.Add("bodySite", record.BodySite is null ? $"body_site empty, code={record.Code}" : $"body_site={site}", record.BodySite is null ? $"{rule.Source} (defaultBodySite), {siteRule.Source}" : siteRule.Source);
        }

        if (record.Performer is { Length: > 0 } staff)
        {
            procedure.Performer.Add(new Procedure.PerformerComponent
            {
                Actor = new ResourceReference { Type = "Practitioner", Identifier = new Identifier(identity.StaffSystem, staff) },
            });
            trace?.Add("performer.actor", $"performer={staff}", TraceRules.BuiltIn("logical reference by the clinic's staff identifier ({IdentifierSystem}/staff)"));
        }

        if (record.CycleNumber is { } n && record.CycleTotal is { } total)
        {
            // Session n of a planned course of N: a documented extension (no R4 element carries it).
            procedure.Extension.Add(new Extension
            {
                Url = rules.Extension(CourseSessionExtension),
                Extension =
                [
                    new Extension("number", new PositiveInt(n)),
                    new Extension("total", new PositiveInt(total)),
                ],
            });
            trace?.Add($"extension[{CourseSessionExtension}]", $"cycle={n}/{total}", TraceRules.Profile(CourseSessionExtension));
        }

        if (record.CellType is { } cellType && rules.CellTypes.TryGetValue(cellType, out var cellRule))
        {
            // R4 Procedure.usedReference allows Device, Medication and Substance only: the product is referenced by
            // the procedure-cell-product extension (docs/decisions/0005).
            procedure.Contained.Add(CellProduct(record, cellRule, refs));
            procedure.Extension.Add(new Extension(rules.Extension(CellProductExtension), new ResourceReference("#cells")));
            trace?.Add("contained[cells]", $"cell_type={cellType}, cell_source={record.CellSource}, cell_count={record.CellCount}", $"{cellRule.Source}, {TraceRules.Profile(ProjectProfiles.CellProduct)}");
            trace?.Add($"extension[{CellProductExtension}]", $"code={record.Code}", $"{rule.Source} (cellProduct), {TraceRules.Profile(CellProductExtension)}");
        }

        if (record.Complication is { Length: > 0 } complication)
        {
            procedure.Complication.Add(new CodeableConcept { Text = complication });
            trace?.Add("complication", "complication", TraceRules.BuiltIn("free text: the clinic does not code complications"));
        }

        if (record.Note is { Length: > 0 } note)
        {
            procedure.Note.Add(new Annotation { Text = new Markdown(note) });
            trace?.Add("note", "note", TraceRules.BuiltIn("free text"));
        }

        return refs.Result(key, record.TreatmentId, procedure, retracted: procedure.Status == EventStatus.EnteredInError);
    }

    /// <summary>
    /// The cells given, as a BiologicallyDerivedProduct contained in the Procedure and referenced from its procedure-cell-product extension
    /// (docs/decisions/0005): category cells, the clinic's cell type, for autologous cells the patient as the source of
    /// the collection, and two documented extensions for what R4 has no element for (cell count, autologous/allogeneic).
    /// </summary>
    private BiologicallyDerivedProduct CellProduct(TreatmentRecord record, ConceptMapping cellType, ReferenceCollector refs)
    {
        var product = new BiologicallyDerivedProduct
        {
            Id = "cells",
            Meta = new Meta { Profile = [rules.Profile(ProjectProfiles.CellProduct)] },
            ProductCategory = BiologicallyDerivedProduct.BiologicallyDerivedProductCategory.Cells,
            ProductCode = CodingFactory.Concept(cellType, rules.ClinicSystem(ClinicCodeSystems.CellType)),
        };
        if (record.CellSource is { } source)
        {
            var display = source == CellSource.Autologous ? "Autologous (the patient's own cells)" : "Allogeneic (donor cells)";
            product.Extension.Add(new Extension(rules.Extension(CellSourceExtension), new CodeableConcept
            {
                Coding = [new Coding(rules.ClinicSystem(ClinicCodeSystems.CellSource), source.ToString().ToLowerInvariant(), display)],
                Text = display,
            }));
            if (source == CellSource.Autologous)
            {
                product.Collection = new BiologicallyDerivedProduct.CollectionComponent { Source = refs.To(new ResourceKey("Patient", record.PatientId)) };
            }
        }

        if (record.CellCount is { } count)
        {
            product.Extension.Add(new Extension(rules.Extension(CellCountExtension), new Quantity
            {
                Value = (decimal)count,
                Unit = "cells",
                System = "http://unitsofmeasure.org",
                Code = "{cells}",
            }));
        }

        return product;
    }
}
