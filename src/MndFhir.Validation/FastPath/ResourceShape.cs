using System.Collections;
using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;

namespace MndFhir.Validation.FastPath;

/// <summary>
/// The shape of a resource: every element present, in order, with its FHIR type; the values of the types whose value
/// decides validity by comparison with a profile or binding (code, boolean, uri and kin, ids of contained resources, a
/// reference's target type or local id, a Quantity's unit), and a placeholder for free values (strings, decimals, dates,
/// integers). Two resources of one shape are valid or invalid together as long as their free values are each valid for
/// their type, the value rules hold (<see cref="ValueRules"/>) and so do the profiles' invariants that compare free
/// values (<see cref="ProfileInvariants"/>): the mapping fixes structure, records vary only those values. The samples
/// make 211 shapes (decision 0016; 319 while integers were kept).
/// </summary>
public sealed class ResourceShape
{
    /// <summary>Changes whenever what a shape keeps changes: verdicts remembered under another version are not used.</summary>
    public const int Version = 2;

    private ResourceShape(string key, List<(string Path, PrimitiveType Value)> freeValues, List<Period> periods)
    {
        Key = key;
        FreeValues = freeValues;
        Periods = periods;
    }

    /// <summary>SHA-256 of the shape text.</summary>
    public string Key { get; }

    /// <summary>The values the shape left out, each to be checked against its type.</summary>
    public IReadOnlyList<(string Path, PrimitiveType Value)> FreeValues { get; }

    /// <summary>The periods, whose start must not be after their end (FHIR per-1).</summary>
    public IReadOnlyList<Period> Periods { get; }

    public static ResourceShape Of(Resource resource)
    {
        var text = new StringBuilder(2048);
        var free = new List<(string, PrimitiveType)>();
        var periods = new List<Period>();
        Walk(resource, resource.TypeName, text, free, periods);
        return new ResourceShape(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))), free, periods);
    }

    private static void Walk(Base node, string path, StringBuilder text, List<(string, PrimitiveType)> free, List<Period> periods)
    {
        text.Append('{').Append(node.TypeName);
        if (node is PrimitiveType primitive)
        {
            if (KeepsValue(primitive, path))
            {
                text.Append('=').Append(primitive.JsonValue?.ToString());
            }
            else if (primitive.JsonValue is not null)
            {
                // A reference keeps what the validator reads of it: a local id in full, else the target type and form.
                text.Append('=').Append(path.EndsWith(".reference", StringComparison.Ordinal) ? ReferenceForm(primitive.JsonValue.ToString()!) : "?");
                free.Add((path, primitive));
            }
        }
        else if (node is Period period)
        {
            periods.Add(period);
        }

        foreach (var (name, value) in node.EnumerateElements())
        {
            if (value is Base child)
            {
                text.Append(name);
                Walk(child, path + "." + name, text, free, periods);
            }
            else if (value is IEnumerable list and not string)
            {
                var i = 0;
                foreach (var item in list)
                {
                    if (item is Base element)
                    {
                        text.Append(name).Append('[').Append(i).Append(']');
                        Walk(element, $"{path}.{name}[{i}]", text, free, periods);
                        i++;
                    }
                }
            }
        }

        text.Append('}');
    }

    /// <summary>Values a profile, a binding or an invariant compares: kept in the shape. Everything else is free.</summary>
    private static bool KeepsValue(PrimitiveType primitive, string path) => primitive switch
    {
        // Integers are free (decision 0016): no invariant of the core types a mapping makes compares them, and the
        // project profiles' invariants, which may (mnd-course-1), are checked per record (ProfileInvariants).
        Code or FhirBoolean or FhirUri or FhirUrl or Canonical or Hl7.Fhir.Model.Oid or Uuid => true,

        // A contained resource's id is what local references point at; a resource's own id is free.
        Id => path.Contains(".contained[", StringComparison.Ordinal),
        FhirString when path.EndsWith(".unit", StringComparison.Ordinal) => true,

        // Code<T>: an enumerated code (status, gender...).
        _ => primitive.GetType().IsGenericType,
    };

    /// <summary>"#cells" as it is; "Patient/123" as "Patient/*", "Patient?identifier=..." as "Patient?*", a URN as "urn:*".</summary>
    private static string ReferenceForm(string reference)
    {
        if (reference.StartsWith('#'))
        {
            return reference;
        }

        if (reference.StartsWith("urn:", StringComparison.Ordinal))
        {
            return "urn:*";
        }

        var query = reference.IndexOf('?', StringComparison.Ordinal);
        if (query > 0)
        {
            return reference[..query] + "?*";
        }

        var parts = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var history = Array.IndexOf(parts, "_history");
        var type = history >= 2 ? parts[history - 2] : parts.Length >= 2 ? parts[^2] : "?";
        return (reference.Contains("://", StringComparison.Ordinal) ? "abs:" : string.Empty) + type + "/*";
    }
}
