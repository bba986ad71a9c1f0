using System.Collections.Frozen;
using YamlDotNet.RepresentationModel;

namespace MndFhir.Mapping;

/// <summary>Turns the node trees of the mapping files into the typed rules of a <see cref="MappingSet"/>.</summary>
internal sealed class MappingSetBuilder
{
    private static readonly string[] TopLevelKeys = ["measures", "panels", "derived", "treatments", "diagnoses", "bodySites", "onsetRegions", "cellTypes"];

    private readonly Dictionary<string, MeasureMapping> _measures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PanelMapping> _panels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DerivedMeasureMapping> _derived = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TreatmentMapping> _treatments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConceptMapping> _diagnoses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConceptMapping> _bodySites = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConceptMapping> _onsetRegions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConceptMapping> _cellTypes = new(StringComparer.Ordinal);
    private readonly List<(string Where, string BodySite)> _bodySiteUses = [];
    private readonly List<(string Where, string Profile)> _profileUses = [];

    public void Read(MappingFileReader r, YamlMappingNode root)
    {
        foreach (var key in root.Children.Keys)
        {
            if (key is YamlScalarNode { Value: { } k } && !TopLevelKeys.Contains(k, StringComparer.Ordinal) && k != "$schema")
            {
                r.Problem(key, $"unknown section '{k}' (expected one of: {string.Join(", ", TopLevelKeys)})");
            }
        }

        foreach (var m in r.Items(root, "measures"))
        {
            Add(r, m, _measures, ReadMeasure(r, m));
        }

        foreach (var m in r.Items(root, "panels"))
        {
            Add(r, m, _panels, ReadPanel(r, m));
        }

        foreach (var m in r.Items(root, "derived"))
        {
            Add(r, m, _derived, ReadDerived(r, m));
        }

        foreach (var m in r.Items(root, "treatments"))
        {
            Add(r, m, _treatments, ReadTreatment(r, m));
        }

        ReadConcepts(r, root, "diagnoses", _diagnoses);
        ReadConcepts(r, root, "bodySites", _bodySites);
        ReadConcepts(r, root, "onsetRegions", _onsetRegions);
        ReadConcepts(r, root, "cellTypes", _cellTypes);
    }

    /// <param name="profiles">Ids of the StructureDefinitions in mappings/profiles.</param>
    public void CheckReferences(List<MappingProblem> problems, IReadOnlySet<string> profiles)
    {
        foreach (var (where, profile) in _profileUses.Where(u => !profiles.Contains(u.Profile)))
        {
            problems.Add(Problem(where, $"profile '{profile}' is not a StructureDefinition in profiles/ (expected profiles/{profile}.json)"));
        }

        foreach (var panel in _panels.Values)
        {
            foreach (var item in panel.Items.Append(panel.Total).OfType<string>())
            {
                if (!_measures.TryGetValue(item, out var measure))
                {
                    problems.Add(Problem(panel.Source, $"panel {panel.Code} names measure '{item}', which no measures list defines"));
                }
                else if (measure.Panel != panel.Code)
                {
                    problems.Add(Problem(measure.Source, $"measure {item} is in panel {panel.Code} but says panel '{measure.Panel}'"));
                }
            }
        }

        foreach (var derived in _derived.Values)
        {
            if (!_measures.ContainsKey(derived.From))
            {
                problems.Add(Problem(derived.Source, $"derived measure {derived.Code} is derived from '{derived.From}', which no measures list defines"));
            }

            if (_measures.ContainsKey(derived.Code) || _panels.ContainsKey(derived.Code))
            {
                problems.Add(Problem(derived.Source, $"derived measure {derived.Code} has the code of a measure or panel the clinic records"));
            }
        }

        foreach (var measure in _measures.Values.Where(m => m.Panel is not null && !_panels.ContainsKey(m.Panel)))
        {
            problems.Add(Problem(measure.Source, $"measure {measure.Code} names panel '{measure.Panel}', which no panels list defines"));
        }

        foreach (var (where, site) in _bodySiteUses.Where(u => !_bodySites.ContainsKey(u.BodySite)))
        {
            problems.Add(Problem(where, $"body site '{site}' is not defined in any bodySites list"));
        }
    }

    public MappingSet Build(string canonicalBase, IReadOnlyDictionary<string, string> systems, string fingerprint) => new()
    {
        CanonicalBase = canonicalBase,
        Systems = systems.ToFrozenDictionary(StringComparer.Ordinal),
        Measures = _measures.ToFrozenDictionary(StringComparer.Ordinal),
        Panels = _panels.ToFrozenDictionary(StringComparer.Ordinal),
        PanelOfMeasure = _panels.Values
            .SelectMany(p => p.Items.Append(p.Total).OfType<string>().Select(code => (code, p)))
            .ToFrozenDictionary(x => x.code, x => x.p, StringComparer.Ordinal),
        Derived = _derived.ToFrozenDictionary(StringComparer.Ordinal),
        Treatments = _treatments.ToFrozenDictionary(StringComparer.Ordinal),
        Diagnoses = _diagnoses.ToFrozenDictionary(StringComparer.Ordinal),
        BodySites = _bodySites.ToFrozenDictionary(StringComparer.Ordinal),
        OnsetRegions = _onsetRegions.ToFrozenDictionary(StringComparer.Ordinal),
        CellTypes = _cellTypes.ToFrozenDictionary(StringComparer.Ordinal),
        Fingerprint = fingerprint,
    };

    private static MappingProblem Problem(string where, string message)
    {
        var colon = where.LastIndexOf(':');
        return colon > 0 && long.TryParse(where[(colon + 1)..], out var line)
            ? new MappingProblem(where[..colon], line, message)
            : new MappingProblem(where, 0, message);
    }

    private static void Add<T>(MappingFileReader r, YamlNode node, Dictionary<string, T> into, T? item)
        where T : class
    {
        if (item is null)
        {
            return;
        }

        static (string Code, string Source) Identity(object mapping) => mapping switch
        {
            MeasureMapping m => (m.Code, m.Source),
            PanelMapping p => (p.Code, p.Source),
            DerivedMeasureMapping d => (d.Code, d.Source),
            TreatmentMapping t => (t.Code, t.Source),
            ConceptMapping c => (c.Code, c.Source),
            _ => throw new ArgumentException("unexpected mapping type", nameof(mapping)),
        };

        var (code, _) = Identity(item);
        if (!into.TryAdd(code, item))
        {
            r.Problem(node, $"code '{code}' is defined twice (first at {Identity(into[code]).Source})");
        }
    }

    private MeasureMapping? ReadMeasure(MappingFileReader r, YamlMappingNode m)
    {
        var code = r.String(m, "code", required: true);
        var display = r.String(m, "display", required: true);
        var category = Category(r, m);

        var valueNode = r.Get(m, "value") as YamlMappingNode;
        if (valueNode is null)
        {
            r.Problem(m, "'value' (a mapping with type, unit, range) is required");
        }

        var value = valueNode is null ? null : ReadValue(r, valueNode);
        var variants = r.Items(m, "variants")
            .Select(v => new MeasureVariant(r.StringMap(v, "when"), r.Codings(v, "coding")))
            .ToList();
        foreach (var variant in variants)
        {
            foreach (var key in variant.When.Keys.Where(k => k is not ("note" or "body_site")))
            {
                r.Problem(m, $"variant condition on '{key}' is not supported (use note or body_site)");
            }

            if (variant.When.TryGetValue("body_site", out var site))
            {
                _bodySiteUses.Add((r.Where(m), site));
            }
        }

        var bodySite = ReadEnum(r, m, "bodySite", BodySiteRule.None);
        if (code is null || display is null || category is null || value is null)
        {
            return null;
        }

        return new MeasureMapping
        {
            Code = code,
            Display = display,
            Category = category,
            Coding = r.Codings(m, "coding"),
            Variants = variants,
            Value = value,
            BodySite = bodySite,
            Panel = r.String(m, "panel", required: false),
            Source = r.Where(m),
        };
    }

    private static ValueSpec? ReadValue(MappingFileReader r, YamlMappingNode v)
    {
        var kind = ReadEnum<ValueKind?>(r, v, "type", null);
        if (kind is null)
        {
            r.Problem(v, "'type' must be one of quantity, score, ordinal, boolean");
            return null;
        }

        var unit = r.String(v, "unit", required: kind is ValueKind.Quantity);
        if (kind == ValueKind.Score)
        {
            unit ??= "{score}";
        }

        CheckUnit(r, v, unit);

        var accepted = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (clinicUnit, factorText) in r.StringMap(v, "units"))
        {
            if (decimal.TryParse(factorText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var factor) && factor > 0)
            {
                accepted[clinicUnit] = factor;
            }
            else
            {
                r.Problem(r.Get(v, "units")!, $"conversion factor for unit '{clinicUnit}' must be a positive number, not '{factorText}'");
            }
        }

        var min = r.Number(v, "min");
        var max = r.Number(v, "max");
        if (min is not null && max is not null && min > max)
        {
            r.Problem(v, $"min {min} is greater than max {max}");
        }

        if (kind is ValueKind.Quantity or ValueKind.Score && (min is null || max is null))
        {
            r.Problem(v, "numeric values need both 'min' and 'max'");
        }

        var answers = r.Items(v, "answers")
            .Select(a => (Value: r.String(a, "value", required: true), Coding: r.Coding(a)))
            .Where(a => a.Value is not null && a.Coding is not null)
            .Select(a => new OrdinalAnswer(a.Value!, a.Coding!))
            .ToList();
        if (kind == ValueKind.Ordinal && answers.Count == 0)
        {
            r.Problem(v, "an ordinal value needs a list of 'answers'");
        }

        var decimals = r.Number(v, "decimals");
        return new ValueSpec
        {
            Kind = kind.Value,
            Unit = unit,
            AcceptedUnits = accepted,
            UnitOptional = r.Flag(v, "unitOptional"),
            Min = min,
            Max = max,
            Decimals = decimals is null ? null : (int)decimals.Value,
            Answers = answers,
        };
    }

    private static string? Category(MappingFileReader r, YamlMappingNode m)
    {
        var category = r.String(m, "category", required: true);
        if (category is not null && !MappingSetLoader.IsKnownCategory(category))
        {
            r.Problem(r.Get(m, "category")!, $"unknown observation category '{category}'");
        }

        return category;
    }

    private static string? UcumUnit(MappingFileReader r, YamlMappingNode m, bool required)
    {
        var unit = r.String(m, "unit", required);
        CheckUnit(r, m, unit);
        return unit;
    }

    /// <summary>The unit must be one of the UCUM codes the project knows; the problem points at the unit's line, or the item's when it was defaulted.</summary>
    private static void CheckUnit(MappingFileReader r, YamlMappingNode m, string? unit)
    {
        if (unit is not null && !MappingSetLoader.KnownUcumUnits.Contains(unit))
        {
            r.Problem(r.Get(m, "unit") ?? m, $"'{unit}' is not a UCUM unit this project knows (known: {string.Join(" ", MappingSetLoader.KnownUcumUnits)})");
        }
    }

    private static DerivedMeasureMapping? ReadDerived(MappingFileReader r, YamlMappingNode m)
    {
        var code = r.String(m, "code", required: true);
        var display = r.String(m, "display", required: true);
        var category = Category(r, m);
        var formula = r.String(m, "formula", required: true);
        var from = r.String(m, "from", required: true);
        var max = r.Number(m, "max");
        var unit = UcumUnit(r, m, required: true);
        if (formula is not null && formula != DerivedMeasureMapping.ProgressionRate)
        {
            r.Problem(r.Get(m, "formula")!, $"unknown formula '{formula}' (known: {DerivedMeasureMapping.ProgressionRate})");
        }

        if (max is null)
        {
            r.Problem(m, "a derived measure needs max (the best score of its source)");
        }

        if (code is null || display is null || category is null || formula is null || from is null || max is null || unit is null)
        {
            return null;
        }

        return new DerivedMeasureMapping
        {
            Code = code,
            Display = display,
            Category = category,
            Coding = r.Codings(m, "coding"),
            Formula = formula,
            From = from,
            Max = max.Value,
            Unit = unit,
            Source = r.Where(m),
        };
    }

    private static PanelMapping? ReadPanel(MappingFileReader r, YamlMappingNode m)
    {
        var code = r.String(m, "code", required: true);
        var display = r.String(m, "display", required: true);
        if (code is null || display is null)
        {
            return null;
        }

        return new PanelMapping
        {
            Code = code,
            Display = display,
            Coding = r.Codings(m, "coding"),
            Items = r.Strings(m, "items"),
            Total = r.String(m, "total", required: false),
            Source = r.Where(m),
        };
    }

    private TreatmentMapping? ReadTreatment(MappingFileReader r, YamlMappingNode m)
    {
        var code = r.String(m, "code", required: true);
        var display = r.String(m, "display", required: true);
        var routeNode = r.Get(m, "route") as YamlMappingNode;
        var defaultSite = r.String(m, "defaultBodySite", required: false);
        var profile = r.String(m, "profile", required: false);
        if (profile is not null)
        {
            _profileUses.Add((r.Where(m), profile));
        }

        if (defaultSite is not null)
        {
            _bodySiteUses.Add((r.Where(m), defaultSite));
        }

        if (code is null || display is null)
        {
            return null;
        }

        return new TreatmentMapping
        {
            Code = code,
            Display = display,
            Coding = r.Codings(m, "coding"),
            Route = routeNode is null ? null : r.Coding(routeNode),
            RequiresCellProduct = r.Flag(m, "cellProduct"),
            DefaultBodySite = defaultSite,
            Profile = profile,
            Source = r.Where(m),
        };
    }

    private static void ReadConcepts(MappingFileReader r, YamlMappingNode root, string key, Dictionary<string, ConceptMapping> into)
    {
        foreach (var m in r.Items(root, key))
        {
            var code = r.String(m, "code", required: true);
            var display = r.String(m, "display", required: true);
            var laterality = r.String(m, "laterality", required: false);
            if (laterality is not null and not ("left" or "right"))
            {
                r.Problem(m, $"laterality must be left or right, not '{laterality}'");
            }

            if (code is null || display is null)
            {
                continue;
            }

            Add(r, m, into, new ConceptMapping
            {
                Code = code,
                Display = display,
                Coding = r.Codings(m, "coding"),
                Laterality = laterality,
                Source = r.Where(m),
            });
        }
    }

    private static T ReadEnum<T>(MappingFileReader r, YamlMappingNode m, string key, T fallback)
    {
        var text = r.String(m, key, required: false);
        if (text is null)
        {
            return fallback;
        }

        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (Enum.TryParse(type, text, ignoreCase: true, out var value))
        {
            return (T)value!;
        }

        r.Problem(r.Get(m, key)!, $"'{key}' must be one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}, not '{text}'");
        return fallback;
    }
}
