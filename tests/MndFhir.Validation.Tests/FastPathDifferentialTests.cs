using System.Diagnostics;
using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Records;
using MndFhir.Tests;
using MndFhir.Validation.FastPath;
using Xunit.Abstractions;
using Task = System.Threading.Tasks.Task;

namespace MndFhir.Validation.Tests;

/// <summary>
/// The fast path finds the verdicts the full Firely validator finds: over every resource the samples make (references
/// both conditional and to server ids), over generated variants of them, and over deliberately broken ones (a value of
/// each free type made invalid, a code changed, a required element removed, a period reversed, an unknown extension, a
/// session number above the planned sessions).
/// </summary>
public sealed class FastPathDifferentialTests(ValidatorFixture fixture, ITestOutputHelper output) : IClassFixture<ValidatorFixture>
{
    [Fact]
    public async Task The_fast_path_and_the_full_validator_agree_on_every_sample_generated_and_broken_resource()
    {
        var identity = new ClinicIdentity("https://mndfhir.example.org/fhir/sid/demo-clinic");
        var (patients, treatments, assessments) = await ExportRecords.ReadAsync(fixture.Rules, Path.Combine(RepositoryPaths.Samples, "clinic-export"));
        var plan = new ResourcePlan(new FhirMapper(fixture.Rules, identity));
        var valid = new List<Resource>();
        valid.AddRange(await Resources(plan, new InMemoryRecordSource(patients, treatments, assessments), new ConditionalReferenceResolver(identity)));
        valid.AddRange(await Resources(plan, new InMemoryRecordSource(patients, treatments, Variants(assessments)), new ServerIdResolver(identity)));
        var broken = valid.Where((_, i) => i % 97 == 0).SelectMany(Breakages).ToList();

        var fast = new FastPathValidator(() => fixture.Validator, Path.Combine(RepositoryPaths.Mappings, "profiles"));
        var disagreements = new List<string>();
        var invalid = 0;
        void Compare(Resource resource)
        {
            var expected = fixture.Validator.Validate(resource).IsValid;
            var actual = fast.Validate(resource).IsValid;
            invalid += expected ? 0 : 1;
            if (expected != actual)
            {
                disagreements.Add($"{resource.TypeName} {Describe(resource)}: full {expected}, fast {actual}");
            }
        }

        var timer = Stopwatch.StartNew();
        valid.ForEach(Compare);
        var fullForValid = fast.FullValidations;
        broken.ForEach(Compare);

        var shapes = valid.Select(r => ResourceShape.Of(r).Key).Distinct().Count();
        output.WriteLine(
            $"{valid.Count} sample and generated resources ({shapes} shapes; the fast path asked the full validator {fullForValid} times), " +
            $"{broken.Count} broken ones ({invalid} of them invalid; the full validator asked {fast.FullValidations - fullForValid} times); " +
            $"{disagreements.Count} disagreements; {timer.Elapsed.TotalSeconds:0.0} s");
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(20)));
        Assert.True(invalid > 1000, "the breakages must break something");
        Assert.Equal(shapes, fullForValid);
    }

    /// <summary>Each resource with one thing broken, in every way that applies to it.</summary>
    internal static IEnumerable<Resource> Breakages(Resource resource)
    {
        Resource Copy(Action<Resource> change)
        {
            var copy = (Resource)resource.DeepCopy();
            change(copy);
            return copy;
        }

        foreach (var path in Primitives(resource).Select(p => p.Path).Distinct())
        {
            yield return Copy(r => Set(r, path, v => v switch
            {
                FhirDateTime d => d.Value = "2024-02-30",
                Date d => d.Value = "2023-13-01",
                FhirString s => s.Value = "   ",
                Markdown m => m.Value = "a\u0001b",
                Id i => i.Value = "not an id!",
                Code c => c.Value = "no-such-code",
                PositiveInt p => p.Value = 0,
                UnsignedInt u => u.Value = -1,
                FhirUri u => u.Value = "http://example.org/not-what-is-expected",
                _ => null,
            }));
            yield return Copy(r => Set(r, path, v => v switch
            {
                FhirDateTime d => d.Value = "2024-01-01T10:00",
                FhirString s => s.Value = string.Empty,
                _ => null,
            }));
        }

        switch (resource)
        {
            case Observation:
                yield return Copy(r => ((Observation)r).Status = null);
                yield return Copy(r => ((Observation)r).Code = null!);
                yield return Copy(r => ((Observation)r).Extension.Add(new Extension("https://example.org/unknown", new FhirString("x"))));
                break;
            case Procedure:
                yield return Copy(r => ((Procedure)r).Performed = new Period(new FhirDateTime("2024-03-01"), new FhirDateTime("2024-02-01")));
                yield return Copy(r => ((Procedure)r).Performed = new Period(new FhirDateTime("2024-03-01T10:00:00+01:00"), new FhirDateTime("2024-03-01T09:00:00+01:00")));
                yield return Copy(r => ((Procedure)r).Subject = null!);
                foreach (var course in ((Procedure)resource).Extension.Where(e => e.Url?.EndsWith("/procedure-course-session", StringComparison.Ordinal) == true).Take(1))
                {
                    // mnd-course-1: the session number is not above the planned sessions (integers are free in a shape).
                    yield return Copy(r =>
                    {
                        var copy = ((Procedure)r).Extension.First(e => e.Url == course.Url);
                        copy.SetExtension("number", new PositiveInt((copy.GetExtension("total")?.Value as PositiveInt)?.Value + 1 ?? 2));
                    });
                }

                break;
            case Patient:
                yield return Copy(r => ((Patient)r).BirthDate = "1960-02-31");
                break;
            case Condition:
                yield return Copy(r => ((Condition)r).Onset = new FhirDateTime("2020-00"));
                break;
        }
    }

    private static IEnumerable<(string Path, PrimitiveType Value)> Primitives(Base node, string path = "")
    {
        foreach (var (name, value) in node.EnumerateElements())
        {
            var items = value is System.Collections.IEnumerable list and not string ? list.OfType<Base>().Select((b, i) => (b, $"{path}.{name}[{i}]")) : value is Base b1 ? [(b1, $"{path}.{name}")] : [];
            foreach (var (child, childPath) in items)
            {
                if (child is PrimitiveType primitive)
                {
                    yield return (childPath, primitive);
                }

                foreach (var deeper in Primitives(child, childPath))
                {
                    yield return deeper;
                }
            }
        }
    }

    private static void Set(Resource resource, string path, Func<PrimitiveType, object?> change)
    {
        var target = Primitives(resource).First(p => p.Path == path).Value;
        change(target);
    }

    private static string Describe(Resource r)
    {
        var json = MndFhir.Serialization.FhirJson.Serialize(r);
        return json.Length <= 400 ? json : json[..400] + "…";
    }

    /// <summary>Every sample assessment again, a month later and its value nudged: new values, the same shapes.</summary>
    private static IEnumerable<AssessmentRecord> Variants(IEnumerable<AssessmentRecord> assessments) =>
        assessments.Where((_, i) => i % 4 == 0).Select(a =>
        {
            var copy = (AssessmentRecord)a.GetType().GetMethod("MemberwiseClone", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.Invoke(a, null)!;
            copy.Effective = ClinicDate.Parse(a.Effective.Start.AddDays(31).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            return copy;
        });

    private static async Task<List<Resource>> Resources(ResourcePlan plan, IClinicRecordSource source, IReferenceResolver resolver) =>
        await plan.AllAsync(source, resolver, new PlanTarget("https://hospital.example.org/fhir/sid/mrn"), CancellationToken.None).Select(p => p.Mapped.Resource).ToListAsync();

    /// <summary>References as a sync makes them: to the server's ids.</summary>
    private sealed class ServerIdResolver(ClinicIdentity identity) : IReferenceResolver
    {
        public ResourceReference? Resolve(ResourceKey target) =>
            new($"{target.ResourceType}/{Math.Abs(target.BusinessId.GetHashCode(StringComparison.Ordinal)) % 100_000}") { Identifier = new Identifier(identity.SystemFor(target.ResourceType), target.BusinessId) };
    }
}
