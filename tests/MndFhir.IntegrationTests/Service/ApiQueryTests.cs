using System.Net;
using System.Text.Json.Nodes;
using Serilog;

namespace MndFhir.IntegrationTests.Service;

/// <summary>The API's query parameters are checked as the command's options are: a value outside what they accept is a 400 problem naming it, never silently changed.</summary>
[Collection(HangfireCollection.Name)]
public sealed class ApiQueryTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-api-query-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task A_take_outside_1_to_500_is_a_400_problem_naming_the_parameter_and_its_range()
    {
        // Before: take=0 and take=-1 answered one run, take=100000 500 runs, take=abc a 400 with no body.
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var service = await RunningService.StartAsync(_folder, withKey: false, new LoggerConfiguration().CreateLogger(), cts.Token);
        using var http = service.Client();

        foreach (var list in new[] { "/api/runs", "/api/imports" })
        {
            foreach (var take in new[] { "0", "-1", "abc", "100000", "501", "1.5" })
            {
                var answer = await http.GetAsync(new Uri($"{list}?take={take}", UriKind.Relative), cts.Token);

                Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{list}?take={take}: {answer.StatusCode}");
                Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
                var problem = JsonNode.Parse(await answer.Content.ReadAsStringAsync(cts.Token))!;
                Assert.Equal(400, problem["status"]!.GetValue<int>());
                Assert.Equal($"take: '{take}' is not a whole number from 1 to 500", problem["detail"]!.GetValue<string>());
                Assert.Equal($"'{take}' is not a whole number from 1 to 500", Assert.Single(problem["errors"]!["take"]!.AsArray())!.GetValue<string>());
            }

            foreach (var take in new[] { "1", "500" })
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"{list}?take={take}", UriKind.Relative), cts.Token)).StatusCode);
            }

            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(list, UriKind.Relative), cts.Token)).StatusCode);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
