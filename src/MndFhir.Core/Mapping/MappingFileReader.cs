using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace MndFhir.Mapping;

/// <summary>
/// Reads typed values out of one YAML mapping file's node tree and collects every problem with its line,
/// so one run of the loader reports all that is wrong with a file rather than the first thing.
/// </summary>
internal sealed class MappingFileReader(string file, IReadOnlyDictionary<string, string> systems, List<MappingProblem> problems)
{
    public string File { get; } = file;

    public void Problem(YamlNode node, string message) => problems.Add(new MappingProblem(File, node.Start.Line, message));

    public string Where(YamlNode node) => $"{File}:{node.Start.Line}";

    public YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    public string? String(YamlMappingNode map, string key, bool required)
    {
        var node = Get(map, key);
        if (node is null)
        {
            if (required)
            {
                Problem(map, $"'{key}' is required");
            }

            return null;
        }

        if (node is not YamlScalarNode scalar || string.IsNullOrWhiteSpace(scalar.Value))
        {
            Problem(node, $"'{key}' must be a non-empty text value");
            return null;
        }

        return scalar.Value.Trim();
    }

    public decimal? Number(YamlMappingNode map, string key)
    {
        var text = String(map, key, required: false);
        if (text is null)
        {
            return null;
        }

        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        Problem(Get(map, key)!, $"'{key}' must be a number, not '{text}'");
        return null;
    }

    public bool Flag(YamlMappingNode map, string key)
    {
        var text = String(map, key, required: false);
        if (text is null)
        {
            return false;
        }

        if (bool.TryParse(text, out var b))
        {
            return b;
        }

        Problem(Get(map, key)!, $"'{key}' must be true or false");
        return false;
    }

    public IEnumerable<YamlMappingNode> Items(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (node is null)
        {
            yield break;
        }

        if (node is not YamlSequenceNode seq)
        {
            Problem(node, $"'{key}' must be a list");
            yield break;
        }

        foreach (var item in seq)
        {
            if (item is YamlMappingNode m)
            {
                yield return m;
            }
            else
            {
                Problem(item, $"each entry of '{key}' must be a mapping");
            }
        }
    }

    public IReadOnlyList<string> Strings(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode seq)
        {
            Problem(node, $"'{key}' must be a list");
            return [];
        }

        var list = new List<string>();
        foreach (var item in seq)
        {
            if (item is YamlScalarNode { Value: { Length: > 0 } v })
            {
                list.Add(v);
            }
            else
            {
                Problem(item, $"each entry of '{key}' must be a text value");
            }
        }

        return list;
    }

    public IReadOnlyDictionary<string, string> StringMap(YamlMappingNode map, string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var node = Get(map, key);
        if (node is null)
        {
            return result;
        }

        if (node is not YamlMappingNode m)
        {
            Problem(node, $"'{key}' must be a mapping");
            return result;
        }

        foreach (var (k, v) in m.Children)
        {
            if (k is YamlScalarNode { Value: { } ks } && v is YamlScalarNode { Value: { } vs })
            {
                result[ks] = vs;
            }
            else
            {
                Problem(k, $"'{key}' entries must be 'name: value'");
            }
        }

        return result;
    }

    public CodingSpec? Coding(YamlMappingNode map)
    {
        var system = String(map, "system", required: true);
        var code = String(map, "code", required: true);
        var display = String(map, "display", required: false);
        if (system is null || code is null)
        {
            return null;
        }

        var uri = ResolveSystem(system, map);
        return uri is null ? null : new CodingSpec(uri, code, display);
    }

    public IReadOnlyList<CodingSpec> Codings(YamlMappingNode map, string key) =>
        Items(map, key).Select(Coding).OfType<CodingSpec>().ToList();

    private string? ResolveSystem(string system, YamlNode node)
    {
        if (systems.TryGetValue(system, out var uri))
        {
            return uri;
        }

        if (systems.Values.Contains(system, StringComparer.Ordinal))
        {
            return system;
        }

        Problem(node, $"unknown code system '{system}': declare it in settings.yaml 'systems' (known: {string.Join(", ", systems.Keys)})");
        return null;
    }
}
