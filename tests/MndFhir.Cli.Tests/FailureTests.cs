using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace MndFhir.Cli.Tests;

/// <summary>
/// Every failure of a command is one line on stderr and a documented exit code (README: 0 success, 1 needs attention,
/// 2 usage or configuration, 3 busy, 4 destination unavailable, 5 local fault, 10 defect), never a stack trace.
/// </summary>
public sealed class FailureTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-fail-" + Guid.NewGuid().ToString("N")[..12]);

    public FailureTests()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "export"));
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Samples, "bad-export"), "*.csv"))
        {
            File.Copy(file, Path.Combine(_folder, "export", Path.GetFileName(file)));
        }

        WriteConfig(_ => { });
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error()
    {
        var (exit, output, error) = await CliProcess.RunAsync(_folder, "frobnicate");

        AssertOneLineFailure(2, exit, output, error, "frobnicate");
    }

    [Theory]
    [InlineData("frobnicate", "mndfhir: unknown command or option 'frobnicate'; see 'mndfhir --help'")]
    [InlineData("dead-letters frobnicate", "mndfhir: unknown command or option 'frobnicate'; see 'mndfhir dead-letters --help'")]
    [InlineData("status --frobnicate", "mndfhir: unknown command or option '--frobnicate'; see 'mndfhir status --help'")]
    [InlineData("status --frobnicate --again", "mndfhir: unknown command or option '--frobnicate', '--again'; see 'mndfhir status --help'")]
    public async Task An_unknown_command_or_option_is_exactly_one_usage_line(string command, string line)
    {
        // Before: "mndfhir: Required command was not provided" above the line naming the unknown command.
        var (exit, output, error) = await CliProcess.RunAsync(_folder, command.Split(' '));

        Assert.True(exit == 2, $"exit {exit}\n{output}\n{error}");
        Assert.Equal(line, error.Trim());
        Assert.Equal(string.Empty, output);
    }

    [Theory]
    [InlineData("runs --take abc", "mndfhir: --take: 'abc' is not a whole number from 1 to 500; see 'mndfhir runs --help'")]
    [InlineData("runs --take -1", "mndfhir: --take: '-1' is not a whole number from 1 to 500; see 'mndfhir runs --help'")]
    [InlineData("runs --take 0", "mndfhir: --take: '0' is not a whole number from 1 to 500; see 'mndfhir runs --help'")]
    [InlineData("runs --take 501", "mndfhir: --take: '501' is not a whole number from 1 to 500; see 'mndfhir runs --help'")]
    [InlineData("dead-letters show abc", "mndfhir: id: 'abc' is not a dead letter's number (a whole number from 'mndfhir dead-letters list'); see 'mndfhir dead-letters show --help'")]
    public async Task An_argument_out_of_what_its_option_accepts_is_one_usage_line_naming_the_option(string command, string line)
    {
        // Before: "Cannot parse argument 'abc' for option '--take' as expected type 'System.Nullable`1[System.Int32]'." and a
        // second line; --take 0 and -1 silently showed one run, 501 silently 500.
        var (exit, output, error) = await CliProcess.RunAsync(_folder, [.. command.Split(' '), "--config", "mndfhir.json"]);

        Assert.True(exit == 2, $"exit {exit}\n{output}\n{error}");
        Assert.Equal(line, error.Trim());
        Assert.Equal(string.Empty, output);
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "a usage error runs nothing");
    }

    [Fact]
    public async Task A_malformed_configuration_file_is_a_usage_error_that_names_the_file()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "broken.json"), "{ \"Clinic\": { ");

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "broken.json");

        AssertOneLineFailure(2, exit, output, error, "broken.json");
    }

    [Fact]
    public async Task A_missing_export_folder_and_an_unknown_destination_are_usage_errors()
    {
        var (exit, output, error) = await CliProcess.RunAsync(_folder, "import", "--from", "no-such-folder", "--config", "mndfhir.json");
        AssertOneLineFailure(2, exit, output, error, "no-such-folder");

        (exit, output, error) = await CliProcess.RunAsync(_folder, "sync", "--destination", "nowhere", "--config", "mndfhir.json");
        AssertOneLineFailure(2, exit, output, error, "nowhere");

        // Neither is silently ignored: before, both synced every destination, or found "no dead letters", with exit 0.
        (exit, output, error) = await CliProcess.RunAsync(_folder, "sync", "--all", "--destination", "nowhere", "--config", "mndfhir.json");
        AssertOneLineFailure(2, exit, output, error, "not both");
        (exit, output, error) = await CliProcess.RunAsync(_folder, "dead-letters", "retry", "--destination", "nowhere", "--config", "mndfhir.json");
        AssertOneLineFailure(2, exit, output, error, "nowhere");
    }

    [Fact]
    public async Task A_destination_whose_secret_variable_is_not_set_is_a_configuration_error_naming_the_variable()
    {
        // Checked before anything runs, although this sync would have nothing to send.
        WriteConfig(c => c["Destinations"] = new JsonArray(new JsonObject
        {
            ["Name"] = "hospital",
            ["Kind"] = "FhirRest",
            ["BaseUrl"] = "http://127.0.0.1:9/fhir/",
            ["Auth"] = "Bearer",
            ["TokenVariable"] = "MNDFHIR_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..8],
        }));

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "sync", "--destination", "hospital", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, "Destinations:0:TokenVariable: the environment variable MNDFHIR_TEST_UNSET_");
    }

    [Theory]
    [InlineData("Bearer", "")]
    [InlineData("Basic", "   ")]
    public async Task A_secret_variable_that_is_empty_counts_as_not_set(string auth, string value)
    {
        // Before: an empty or blank token passed the check and was sent (as "Bearer " or an empty Basic password).
        var variable = "MNDFHIR_TEST_EMPTY_" + Guid.NewGuid().ToString("N")[..8];
        WriteConfig(c => c["Destinations"] = new JsonArray(new JsonObject
        {
            ["Name"] = "hospital",
            ["Kind"] = "FhirRest",
            ["BaseUrl"] = "http://127.0.0.1:9/fhir/",
            ["Auth"] = auth,
            ["UserName"] = "clinic",
            ["TokenVariable"] = variable,
        }));

        var (exit, output, error) = await CliProcess.RunAsync(_folder, new Dictionary<string, string?> { [variable] = value }, "sync", "--destination", "hospital", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, $"Destinations:0:TokenVariable: the environment variable {variable} is not set (it holds the {auth} secret of 'hospital')");
    }

    [Fact]
    public async Task A_pseudonymised_registry_without_its_key_or_with_a_short_one_is_a_configuration_error_that_never_shows_the_key()
    {
        var variable = "MNDFHIR_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..8];
        WriteConfig(c => c["Destinations"] = new JsonArray(new JsonObject
        {
            ["Name"] = "registry",
            ["Kind"] = "NdjsonFolder",
            ["Folder"] = "registry",
            ["RequiresRegistryConsent"] = true,
            ["Pseudonymise"] = true,
            ["PseudonymKeyVariable"] = variable,
        }));

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "sync", "--destination", "registry", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, $"Destinations:0:PseudonymKeyVariable: the environment variable {variable} is not set");

        // Exported without its value: not set either (before: "has 0 bytes").
        (exit, output, error) = await CliProcess.RunAsync(_folder, new Dictionary<string, string?> { [variable] = " " }, "sync", "--destination", "registry", "--config", "mndfhir.json");
        AssertOneLineFailure(2, exit, output, error, $"Destinations:0:PseudonymKeyVariable: the environment variable {variable} is not set");

        await File.WriteAllTextAsync(Path.Combine(_folder, "short.key"), "only-twenty-bytes-xy\n");
        WriteConfig(c => c["Destinations"] = new JsonArray(new JsonObject
        {
            ["Name"] = "registry",
            ["Kind"] = "NdjsonFolder",
            ["Folder"] = "registry",
            ["Pseudonymise"] = true,
            ["PseudonymKeyFile"] = "short.key",
        }));

        (exit, output, error) = await CliProcess.RunAsync(_folder, "sync", "--destination", "registry", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, "has 20 bytes; at least 32 are needed");
        Assert.DoesNotContain("only-twenty", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "nothing may run, not even the database migration");
    }

    [Theory]
    [InlineData("Kind", "FhirRst", "Destinations:0:Kind: 'FhirRst' is not one of FhirRest, NdjsonFolder")]
    [InlineData("Schedule", "0 25 * * *", "Destinations:0:Schedule: '0 25 * * *' is not a cron expression")]
    [InlineData("TimeZone", "Mars/Olympus_Mons", "Destinations:0:TimeZone: 'Mars/Olympus_Mons' is not a time zone")]
    [InlineData("BatchSize", "many", "Destinations:0:BatchSize: 'many' is not a whole number")]
    [InlineData("Folderr", "out", "Destinations:0:Folderr: unknown key")]
    public async Task A_configuration_mistake_names_its_key_and_what_is_allowed_and_nothing_runs(string key, string value, string message)
    {
        WriteConfig(c => c["Destinations"]![0]![key] = value);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, message);
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "nothing may run, not even the database migration");
    }

    [Fact]
    public async Task An_import_schedule_that_is_no_cron_expression_and_sql_server_without_culture_data_are_configuration_errors()
    {
        // Before, the schedule passed every command and the service died on it (exit 10); SQL Server's client refused to
        // open any connection (exit 10: "Globalization Invariant Mode is not supported").
        WriteConfig(c => c["Clinic"]!["ImportSchedule"] = "every 5 min");
        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");
        AssertOneLineFailure(2, exit, output, error, "Clinic:ImportSchedule: 'every 5 min' is not a cron expression");

        WriteConfig(c => c["Database"] = new JsonObject { ["Provider"] = "SqlServer", ["ConnectionString"] = "Server=127.0.0.1,9;Database=mndfhir;User Id=x;Password=y;Connect Timeout=3" });
        (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");
        AssertOneLineFailure(2, exit, output, error, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false");
    }

    [Fact]
    public async Task A_log_folder_that_cannot_take_files_is_a_configuration_error()
    {
        // Before: nothing was logged and nothing said (exit 0), and "the log file has the details" was untrue.
        await File.WriteAllTextAsync(Path.Combine(_folder, "not-a-folder"), "a file");
        WriteConfig(c => c["Logging"]!["Folder"] = Path.Combine(_folder, "not-a-folder"));

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, "Logging:Folder: " + Path.Combine(_folder, "not-a-folder") + " cannot take the log files");
    }

    [Fact]
    public async Task A_pseudonym_key_file_other_users_can_read_is_a_configuration_error()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var key = Path.Combine(_folder, "registry.key");
        await File.WriteAllTextAsync(key, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        WriteConfig(c => c["Destinations"] = new JsonArray(new JsonObject
        {
            ["Name"] = "registry",
            ["Kind"] = "NdjsonFolder",
            ["Folder"] = "registry",
            ["Pseudonymise"] = true,
            ["PseudonymKeyFile"] = "registry.key",
        }));

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");
        AssertOneLineFailure(2, exit, output, error, "Destinations:0:PseudonymKeyFile:");
        Assert.Contains("chmod 600", error, StringComparison.Ordinal);

        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (exit, _, error) = await CliProcess.RunAsync(_folder, "sync", "--all", "--config", "mndfhir.json");
        Assert.True(exit == 0, error);
    }

    [Fact]
    public async Task A_list_or_an_object_where_one_value_belongs_and_a_destination_that_is_no_object_are_configuration_errors()
    {
        // Before: a NullReferenceException or InvalidOperationException (exit 10), or Kind silently FhirRest.
        var cases = new (Action<JsonObject> Change, string Message)[]
        {
            (c => c["Destinations"] = new JsonObject { ["a"] = 1 }, "Destinations:a: a destination is an object"),
            (c => c["Destinations"] = new JsonArray("hospital"), "Destinations:0: a destination is an object"),
            (c => c["Clinic"]!["ExportPath"] = new JsonArray("a"), "Clinic:ExportPath: one value is expected here"),
            (c => c["Destinations"]![0]!["Kind"] = new JsonObject { ["a"] = 1 }, "Destinations:0:Kind: one value is expected here"),
        };
        foreach (var (change, message) in cases)
        {
            WriteConfig(change);

            var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");

            AssertOneLineFailure(2, exit, output, error, message);
        }
    }

    [Theory]
    [InlineData("Sqlite", "Foo=bar", "Database:ConnectionString: 'foo' is not a keyword of Sqlite connection strings")]
    [InlineData("Sqlite", "Data Source=x.db;Mode=sideways", "Database:ConnectionString: the value of 'Mode' is not one Sqlite accepts")]
    [InlineData("Sqlite", "Cache=Shared", "Database:ConnectionString: names no database file (Data Source=FILE)")]
    [InlineData("Sqlite", "just some text", "Database:ConnectionString: is not a list of keyword=value pairs separated by ';'")]
    [InlineData("PostgreSql", "garbage", "Database:ConnectionString: is not a list of keyword=value pairs separated by ';'")]
    [InlineData("PostgreSql", "Host=127.0.0.1;Password=pg-secret-1;Bogus=1", "Database:ConnectionString: a keyword PostgreSql does not know (not named here: the connection string holds a password;")]
    [InlineData("PostgreSql", "Host=127.0.0.1;Password=pg-secret-1;leaked=2", "Database:ConnectionString: a keyword PostgreSql does not know")]
    [InlineData("PostgreSql", "Host=127.0.0.1;Port=fivefourthreetwo;Password=pg-secret-1", "Database:ConnectionString: the value of 'Port' is not one PostgreSql accepts")]
    [InlineData("PostgreSql", "Database=mndfhir;Password=pg-secret-1", "Database:ConnectionString: names no server (Host=NAME)")]
    public async Task A_connection_string_that_cannot_be_read_is_a_configuration_error_that_never_shows_the_password(string provider, string connectionString, string message)
    {
        // Before: "Unexpected error (ArgumentException): Connection string keyword 'foo' is not supported" (exit 10).
        WriteConfig(c => c["Database"] = new JsonObject { ["Provider"] = provider, ["ConnectionString"] = connectionString });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, message);
        Assert.DoesNotContain("pg-secret", error, StringComparison.Ordinal);
        // A password holding an unquoted ';' is cut into keywords: none of its pieces is shown.
        Assert.DoesNotContain("leaked", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "nothing may run, not even the database migration");
    }

    [Fact]
    public async Task A_worker_count_out_of_its_range_and_a_base_url_that_is_not_http_are_configuration_errors()
    {
        // Before: Hangfire:WorkerCount 0 ran with one worker, and a destination on ftp:// or file:// passed the check.
        var cases = new (Action<JsonObject> Change, string Message)[]
        {
            (c => c["Hangfire"] = new JsonObject { ["WorkerCount"] = 0 }, "Hangfire:WorkerCount: The field WorkerCount must be between 1 and 64"),
            (c => c["Hangfire"] = new JsonObject { ["SchedulePollingSeconds"] = 0 }, "Hangfire:SchedulePollingSeconds: The field SchedulePollingSeconds must be between 1 and 3600"),
            (c => c["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "hospital", ["Kind"] = "FhirRest", ["BaseUrl"] = "ftp://127.0.0.1/fhir/" }),
                "Destinations:0:BaseUrl: 'ftp' is not http or https"),
            (c => c["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "hospital", ["Kind"] = "FhirRest", ["BaseUrl"] = "file:///srv/fhir" }),
                "Destinations:0:BaseUrl: 'file' is not http or https"),
            (c => c["Destinations"] = new JsonArray(new JsonObject
            {
                ["Name"] = "registry", ["Kind"] = "FhirRest", ["BaseUrl"] = "https://127.0.0.1/fhir/", ["TokenEndpoint"] = "ldap://127.0.0.1/token",
            }), "Destinations:0:TokenEndpoint: 'ldap' is not http or https"),
        };
        foreach (var (change, message) in cases)
        {
            WriteConfig(change);

            var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");

            AssertOneLineFailure(2, exit, output, error, message);
            Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "nothing may run, not even the database migration");
        }
    }

    [Theory]
    [InlineData("status")]
    [InlineData("runs")]
    [InlineData("import")]
    [InlineData("sync --all")]
    [InlineData("run")]
    [InlineData("dead-letters list")]
    [InlineData("keys jwks --destination files")]
    [InlineData("serve")]
    public async Task A_known_proxy_that_is_not_an_ip_address_is_refused_by_every_command_that_reads_the_configuration(string command)
    {
        // Before: only serve refused it; the other commands ran.
        WriteConfig(c => c["Service"] = new JsonObject { ["KnownProxies"] = new JsonArray("127.0.0.1", "proxy.example.org") });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, [.. command.Split(' '), "--config", "mndfhir.json"]);

        Assert.True(exit == 2, $"exit {exit}\n{output}\n{error}");
        Assert.Equal("mndfhir: the configuration has a problem: Service:KnownProxies:1: 'proxy.example.org' is not an IP address (the address the reverse proxy connects from)", error.Trim());
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "nothing may run, not even the database migration");
    }

    [Fact]
    public async Task The_commands_that_only_read_create_no_log_folder_and_log_to_it_only_when_it_exists()
    {
        // Before: each of them created Logging:Folder (the database they already left alone).
        var logs = Path.Combine(_folder, "logs");
        string[][] readers = [["status"], ["runs"], ["quarantine", "list"], ["dead-letters", "list"], ["dead-letters", "show", "1"], ["map", "--patient", "P-1"], ["reconcile", "--destination", "files"]];
        foreach (var command in readers)
        {
            var (exit, output, error) = await CliProcess.RunAsync(_folder, [.. command, "--config", "mndfhir.json"]);

            AssertOneLineFailure(2, exit, output, error, "there is no MndFhir database");
            Assert.False(Directory.Exists(logs), $"{string.Join(' ', command)} created {logs}");
        }

        // With a database, and still without the folder: they answer, and write no log file.
        var import = await CliProcess.RunAsync(_folder, "import", "--config", "mndfhir.json");
        Assert.True(import.ExitCode is 0 or 1, import.Error);
        Assert.True(Directory.Exists(logs), "import creates the log folder");
        Directory.Delete(logs, recursive: true);
        foreach (var command in readers.Take(4))
        {
            var (exit, _, error) = await CliProcess.RunAsync(_folder, [.. command, "--config", "mndfhir.json"]);

            Assert.True(exit is 0 or 1, $"{string.Join(' ', command)}: exit {exit}\n{error}");
            Assert.False(Directory.Exists(logs), $"{string.Join(' ', command)} created {logs}");
        }

        // Where something is there, they use it as before: a file where the folder should be cannot take the log files.
        await File.WriteAllTextAsync(logs, "not a folder");
        var status = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");
        AssertOneLineFailure(2, status.ExitCode, status.Output, status.Error, "Logging:Folder");
    }

    [Fact]
    public async Task Two_destinations_of_one_name_and_an_export_folder_that_does_not_exist_are_configuration_errors()
    {
        WriteConfig(c =>
        {
            c["Clinic"]!["ExportPath"] = "no-such-export";
            c["Destinations"]!.AsArray().Add(new JsonObject { ["Name"] = "FILES", ["Kind"] = "NdjsonFolder", ["Folder"] = Path.Combine(_folder, "out2") });
        });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, "Destinations:1:Name: 'FILES' is already the name of Destinations:0");
        Assert.Contains("Clinic:ExportPath: the folder", error, StringComparison.Ordinal);
        Assert.Contains("no-such-export does not exist", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("runs")]
    [InlineData("quarantine list")]
    [InlineData("dead-letters list")]
    [InlineData("dead-letters show 1")]
    [InlineData("map --patient P-0001")]
    public async Task A_read_only_command_on_a_database_that_does_not_exist_says_so_and_creates_nothing(string command)
    {
        // Before: a new SQLite file in a new folder, migrated, and "last import: never" (exit 0).
        var database = Path.Combine(_folder, "no-such-folder", "mndfhir.db");
        WriteConfig(c => c["Database"]!["ConnectionString"] = "Data Source=" + database);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, [.. command.Split(' '), "--config", "mndfhir.json"]);

        AssertOneLineFailure(2, exit, output, error, $"mndfhir: Database:ConnectionString: there is no MndFhir database at {database} yet");
        Assert.False(Directory.Exists(Path.GetDirectoryName(database)), "a read-only command creates no database, nor its folder");

        // Without a connection string: its default, mndfhir.db next to the configuration file.
        WriteConfig(c => c["Database"] = new JsonObject { ["Provider"] = "Sqlite" });

        (exit, output, error) = await CliProcess.RunAsync(_folder, [.. command.Split(' '), "--config", "mndfhir.json"]);

        AssertOneLineFailure(2, exit, output, error, $"there is no MndFhir database at {Path.Combine(_folder, "mndfhir.db")} yet");
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")));
    }

    [Fact]
    public async Task A_read_only_command_on_an_empty_sqlite_file_creates_nothing_in_it_and_import_then_creates_the_database()
    {
        var database = Path.Combine(_folder, "mndfhir.db");
        await File.WriteAllBytesAsync(database, []);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, $"mndfhir: Database:ConnectionString: {database} holds no MndFhir database yet");
        Assert.Equal(0, new FileInfo(database).Length);

        (exit, _, error) = await CliProcess.RunAsync(_folder, "import", "--config", "mndfhir.json");
        Assert.True(exit == 1, error); // the bad export's rows wait in the quarantine

        (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");
        Assert.True(exit == 0, error);
        Assert.Contains("quarantine: 8 open", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("import")]
    [InlineData("sync --all")]
    public async Task A_sqlite_file_of_another_application_is_refused_and_left_as_it_was(string command)
    {
        // Before: MndFhir's tables were added to it (status, import, sync and serve alike).
        var database = Path.Combine(_folder, "mndfhir.db");
        await using (var foreign = new SqliteConnection("Data Source=" + database))
        {
            await foreign.OpenAsync();
            await using var create = foreign.CreateCommand();
            create.CommandText = "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (12.5);";
            await create.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();

        var (exit, output, error) = await CliProcess.RunAsync(_folder, [.. command.Split(' '), "--config", "mndfhir.json"]);

        AssertOneLineFailure(2, exit, output, error, $"mndfhir: Database:ConnectionString: {database} is not an MndFhir database");
        // It says whose tables, and exactly what to do.
        Assert.Contains("another application's tables (invoices) and no MndFhir schema", error, StringComparison.Ordinal);
        Assert.Contains("Point Database:ConnectionString at a file that does not exist yet (MndFhir creates it)", error, StringComparison.Ordinal);
        Assert.Equal(1, await ScalarAsync("Data Source=" + database, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"));
    }

    [Fact]
    public async Task A_new_sqlite_file_that_hangfire_wrote_first_is_refused_with_what_to_do()
    {
        // Hangfire's SQLite storage pointed at MndFhir's file made its tables there first. Still refused (MndFhir cannot
        // tell a scratch file from another application's live one), but before the line said only "name a file of its own".
        var database = Path.Combine(_folder, "mndfhir.db");
        using (new Hangfire.Storage.SQLite.SQLiteStorage(database))
        {
        }

        SqliteConnection.ClearAllPools();
        var tables = await ScalarAsync("Data Source=" + database, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "import", "--config", "mndfhir.json");

        AssertOneLineFailure(2, exit, output, error, $"mndfhir: Database:ConnectionString: {database} is not an MndFhir database");
        Assert.Contains("They are Hangfire's job storage: give Hangfire:ConnectionString a file of its own", error, StringComparison.Ordinal);
        Assert.Equal(tables, await ScalarAsync("Data Source=" + database, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"));
    }

    [Fact]
    public async Task Without_a_configuration_file_a_command_refuses_to_guess_one()
    {
        File.Delete(Path.Combine(_folder, "mndfhir.json"));

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status");

        AssertOneLineFailure(2, exit, output, error, "no configuration");
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")));
    }

    [Fact]
    public async Task An_import_with_rejected_rows_exits_1_and_status_shows_the_open_quarantine_per_file()
    {
        var (exit, output, error) = await CliProcess.RunAsync(_folder, "import", "--config", "mndfhir.json");

        Assert.True(exit == 1, $"exit {exit}\n{output}\n{error}");
        Assert.Contains("8 rejected rows or files wait in the quarantine", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);

        var status = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");
        Assert.Equal(0, status.ExitCode);
        Assert.Matches(@"patients\.csv\s+1 rows", status.Output);
        Assert.Matches(@"treatments\.csv\s+3 rows", status.Output);
        Assert.Matches(@"assessments\.csv\s+4 rows", status.Output);
    }

    [Fact]
    public async Task A_file_broken_as_a_whole_is_named_with_its_line_and_rule_and_exits_1()
    {
        var path = Path.Combine(_folder, "export", "assessments.csv");
        var lines = File.ReadAllLines(path).ToList();
        lines.Insert(3, "A-900,P-0001,FVC,3.1,L,2024-02-01,,,,,\"a note left open");
        File.WriteAllLines(path, lines);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "import", "--config", "mndfhir.json");

        Assert.True(exit == 1, $"exit {exit}\n{output}\n{error}");
        Assert.Contains("import assessments.csv: REJECTED, nothing of it imported: assessments.csv line 4: unterminated-quote", output, StringComparison.Ordinal);
        var status = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");
        Assert.Matches(@"assessments\.csv\s+0 rows, the file itself rejected", status.Output);
    }

    [Fact]
    public async Task A_broken_mapping_file_is_a_configuration_error_naming_the_file_for_each_command_that_maps()
    {
        // sync, run and status read the mapping rules on a second core while the schema is checked (a warm-up): what
        // that meets is still reported by the command itself, once, as one line.
        var mappings = Path.Combine(_folder, "mappings");
        CopyFolder(RepositoryPaths.Mappings, mappings);
        await File.AppendAllTextAsync(Path.Combine(mappings, "treatments.yaml"), "\n  - code: [unclosed\n");
        WriteConfig(c => c["Clinic"]!["MappingsPath"] = mappings);

        foreach (var command in new[] { "sync --all", "run", "status" })
        {
            var (exit, output, error) = await CliProcess.RunAsync(_folder, [.. command.Split(' '), "--config", "mndfhir.json"]);

            AssertOneLineFailure(2, exit, output, error, "treatments.yaml");
        }
    }

    [Fact]
    public async Task While_an_import_holds_the_database_another_import_and_a_sync_are_busy_at_once_and_status_shows_no_database_noise()
    {
        // Without the read before the lease's write, both waited for the busy timeout (20 s here) and failed as local
        // faults (exit 5); status waited as long to keep its cache, and printed EF Core's SQL and exception text.
        WriteConfig(c => c["Database"]!["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db") + ";Default Timeout=20");
        // A sync with nothing to send creates the database (status, which only reads, would not).
        var (firstExit, _, firstError) = await CliProcess.RunAsync(_folder, "sync", "--all", "--config", "mndfhir.json");
        Assert.True(firstExit == 0, firstError);

        // What a running import holds: its lease (this live process), and the database's write lock for its transaction.
        await using (var import = new SqliteConnection("Data Source=" + Path.Combine(_folder, "mndfhir.db")))
        {
            await import.OpenAsync();
            await using var lease = import.CreateCommand();
            lease.CommandText = "INSERT INTO DestinationLeases (Destination, Holder, ExpiresAt) VALUES ($destination, $holder, $expires); BEGIN IMMEDIATE;";
            lease.Parameters.AddWithValue("$destination", MndFhir.Data.DestinationLeaseStore.ImportLease);
            lease.Parameters.AddWithValue("$holder", MndFhir.Data.LeaseHolder.New());
            lease.Parameters.AddWithValue("$expires", new Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter().ConvertToProvider(DateTimeOffset.UtcNow.AddHours(1)));
            await lease.ExecuteNonQueryAsync();

            var (exit, output, error) = await CliProcess.RunAsync(_folder, "import", "--config", "mndfhir.json");
            AssertOneLineFailure(3, exit, output, error, "Another import");

            (exit, output, error) = await CliProcess.RunAsync(_folder, "sync", "--all", "--config", "mndfhir.json");
            AssertOneLineFailure(3, exit, output, error, "import of the clinic export is running");

            (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");
            Assert.True(exit == 0, error);
            Assert.Equal(string.Empty, error.Trim());
        }

        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_destination_that_refuses_connections_is_exit_4_with_one_line_and_no_retry_noise()
    {
        // Nothing listens on port 9 (discard) of loopback on the test machines.
        await ImportThreePatientsForAsync(new JsonObject
        {
            ["BaseUrl"] = "http://127.0.0.1:9/fhir/R4/",
            ["TimeoutSeconds"] = 2,
            ["RetryAttempts"] = 2,
            ["RetryMaxSeconds"] = 5,
        });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "sync", "--all", "--config", "mndfhir.json");

        // The retries say what happened in words (no .NET type names); the resilience library's own events stay in the log file.
        AssertOneLineFailure(4, exit, output, error, "mndfhir: sync hospital stopped:");
        Assert.Contains("hospital: no connection (ConnectionError), attempt 1 of 2", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Resilience", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_attempt_without_retries_is_a_valid_setting()
    {
        // Before: RetryAttempts 1 (allowed: 1 to 20) made Polly refuse MaxRetryAttempts 0 at the first request, exit 10.
        await ImportThreePatientsForAsync(new JsonObject { ["BaseUrl"] = "http://127.0.0.1:9/fhir/R4/", ["TimeoutSeconds"] = 2, ["RetryAttempts"] = 1 });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "sync", "--all", "--config", "mndfhir.json");

        AssertOneLineFailure(4, exit, output, error, "mndfhir: sync hospital stopped: Destination 'hospital' could not be reached");
        Assert.DoesNotContain("retrying", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sync_failure_is_said_once_on_stderr_and_the_log_file_keeps_its_event()
    {
        // Before: the run's "[.. ERR] Sync 1 of hospital stopped: ..." and then "mndfhir: sync hospital stopped: ..." (twice).
        await ImportThreePatientsForAsync(new JsonObject { ["BaseUrl"] = "http://127.0.0.1:9/fhir/R4/", ["TimeoutSeconds"] = 2, ["RetryAttempts"] = 2, ["RetryMaxSeconds"] = 5 });

        foreach (var command in new[] { "sync --all", "run" })
        {
            var (exit, output, error) = await CliProcess.RunAsync(_folder, [.. command.Split(' '), "--config", "mndfhir.json"]);

            AssertOneLineFailure(4, exit, output, error, "mndfhir: sync hospital stopped: Destination 'hospital' could not be reached");
            Assert.Single(error.Split('\n'), l => l.Contains("could not be reached", StringComparison.Ordinal));
            Assert.DoesNotContain("ERR]", error, StringComparison.Ordinal);
        }

        var logs = string.Concat(Directory.GetFiles(Path.Combine(_folder, "logs")).Select(File.ReadAllText));
        Assert.Equal(2, logs.Split('\n').Count(l => l.Contains("\"@mt\":\"Sync {RunId} of {Destination} stopped: {Reason}\"", StringComparison.Ordinal) && l.Contains("\"@l\":\"Error\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Refused_credentials_are_said_once_on_stderr()
    {
        // A FHIR server that answers 401 to everything. Before: the client's ERR line, the run's ERR line and the mndfhir: line.
        using var server = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        server.Start();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await server.AcceptTcpClientAsync();
                var stream = client.GetStream();
                var request = new List<byte>();
                var buffer = new byte[4096];
                while (!System.Text.Encoding.ASCII.GetString([.. request]).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer);
                    if (read == 0)
                    {
                        break;
                    }

                    request.AddRange(buffer.AsSpan(0, read).ToArray());
                }

                await stream.WriteAsync("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
            }
        });
        var variable = "MNDFHIR_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        await ImportThreePatientsForAsync(new JsonObject
        {
            ["BaseUrl"] = $"http://127.0.0.1:{((System.Net.IPEndPoint)server.LocalEndpoint).Port}/fhir/R4/",
            ["Auth"] = "Bearer",
            ["TokenVariable"] = variable,
        }, new Dictionary<string, string?> { [variable] = "a-token-the-server-refuses" });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, new Dictionary<string, string?> { [variable] = "a-token-the-server-refuses" }, "sync", "--all", "--config", "mndfhir.json");

        AssertOneLineFailure(6, exit, output, error, "mndfhir: sync hospital: Authentication failed: destination 'hospital' answered HTTP 401");
        Assert.Single(error.Split('\n'), l => l.Contains("401", StringComparison.Ordinal));
        Assert.DoesNotContain("ERR]", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_c_during_a_sync_exits_130_and_records_the_run_as_stopped_on_request()
    {
        // A FHIR server that accepts connections and never answers: the sync waits in its first send.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<System.Net.Sockets.TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                accepted.Add(await silent.AcceptTcpClientAsync());
            }
        });
        await ImportThreePatientsForAsync(new JsonObject
        {
            ["BaseUrl"] = $"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}/fhir/R4/",
            ["TimeoutSeconds"] = 120,
        });

        var sync = CliProcess.StartInterruptible(_folder, "sync", "--all", "--config", "mndfhir.json");
        var database = "Data Source=" + Path.Combine(_folder, "mndfhir.db") + ";Mode=ReadOnly";
        while (await ScalarAsync(database, "SELECT count(*) FROM SyncRuns WHERE Outcome = 'Running'") == 0 || accepted.Count == 0)
        {
            Assert.False(sync.HasExited, "the sync ended before it was stopped");
            await Task.Delay(100);
        }

        using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", sync.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var (exit, output, error) = await CliProcess.WaitAsync(sync);

        AssertOneLineFailure(130, exit, output, error, "Stopped on request");
        Assert.Equal(1, await ScalarAsync(database, "SELECT count(*) FROM SyncRuns WHERE Outcome = 'Failed' AND Error LIKE 'Stopped on request%'"));
        Assert.Equal(0, await ScalarAsync(database, "SELECT count(*) FROM SyncRuns WHERE Outcome = 'Running'"));
        accepted.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Ctrl_c_while_a_sync_starts_exits_130_with_its_line_and_leaves_no_run_nor_lease()
    {
        // Before: a command ran synchronously until its first real await (SQLite answers synchronously), and
        // System.CommandLine handled SIGINT only from then on: a Ctrl-C in that window ended the process by the runtime's
        // default, with no line, after a sync had perhaps taken its lease and recorded its run as Running. Here the
        // sync's first read of the database waits (this test holds the file exclusively) while the signal comes.
        await ImportThreePatientsForAsync(new JsonObject { ["BaseUrl"] = "http://127.0.0.1:9/fhir/R4/" });
        var logs = Path.Combine(_folder, "sync-logs");
        var file = Path.Combine(_folder, "mndfhir.db");
        System.Diagnostics.Process sync;
        await using (var holder = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await holder.OpenAsync();
            await using (var exclusive = holder.CreateCommand())
            {
                // In WAL mode only an exclusive locking mode keeps readers out.
                exclusive.CommandText = "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM SyncRuns;";
                await exclusive.ExecuteScalarAsync();
            }

            sync = CliProcess.StartInterruptible(_folder, new Dictionary<string, string?> { ["MNDFHIR__Logging__Folder"] = logs }, "sync", "--all", "--config", "mndfhir.json");

            // Its log folder is made before the database is opened; /proc shows when it has the file open.
            while (!Directory.Exists(logs) || !HasOpen(sync, file))
            {
                Assert.False(sync.HasExited, "the sync ended before it was stopped");
                await Task.Delay(50);
            }

            await Task.Delay(500);
            using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", sync.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await Task.Delay(1000);
        }

        var (exit, output, error) = await CliProcess.WaitAsync(sync);

        AssertOneLineFailure(130, exit, output, error, "Stopped on request");
        var database = $"Data Source={file};Mode=ReadOnly";
        Assert.Equal(0, await ScalarAsync(database, "SELECT count(*) FROM SyncRuns WHERE Outcome = 'Running'"));
        Assert.Equal(0, await ScalarAsync(database, "SELECT count(*) FROM DestinationLeases"));
    }

    /// <summary>Whether <paramref name="process"/> has <paramref name="path"/> open (Linux: /proc/PID/fd).</summary>
    private static bool HasOpen(System.Diagnostics.Process process, string path)
    {
        try
        {
            return Directory.EnumerateFiles($"/proc/{process.Id}/fd").Any(fd => new FileInfo(fd).LinkTarget == path);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Imports the samples' first three patients (nothing else) and configures one FHIR destination, "hospital", with
    /// <paramref name="settings"/> (its BaseUrl and timings): a sync then has three resources to send.
    /// </summary>
    private async Task ImportThreePatientsForAsync(JsonObject settings, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var export = Path.Combine(_folder, "small-export");
        Directory.CreateDirectory(export);
        foreach (var (file, take) in new[] { ("patients.csv", 4), ("treatments.csv", 1), ("assessments.csv", 1) })
        {
            await File.WriteAllLinesAsync(Path.Combine(export, file), File.ReadLines(Path.Combine(RepositoryPaths.Samples, "clinic-export", file)).Take(take));
        }

        settings["Name"] = "hospital";
        settings["Kind"] = "FhirRest";
        WriteConfig(c =>
        {
            c["Clinic"]!["ExportPath"] = "small-export";
            c["Destinations"] = new JsonArray(settings);
        });
        var (exit, _, error) = await CliProcess.RunAsync(_folder, environment ?? new Dictionary<string, string?>(), "import", "--config", "mndfhir.json");
        Assert.True(exit == 0, error);
    }

    private static async Task<long> ScalarAsync(string connection, string sql)
    {
        await using var db = new SqliteConnection(connection);
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Theory]
    [InlineData("import")]
    [InlineData("sync --all")]
    public async Task A_locked_SQLite_database_is_a_local_fault_with_one_line(string command)
    {
        WriteConfig(c => c["Database"]!["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db") + ";Default Timeout=1");
        // A sync with nothing to send creates the database (status, which only reads, would not).
        var (firstExit, _, firstError) = await CliProcess.RunAsync(_folder, "sync", "--all", "--config", "mndfhir.json");
        Assert.True(firstExit == 0, firstError);

        await using (var holder = new SqliteConnection("Data Source=" + Path.Combine(_folder, "mndfhir.db")))
        {
            await holder.OpenAsync();
            await using var lockIt = holder.CreateCommand();
            lockIt.CommandText = "BEGIN EXCLUSIVE;";
            await lockIt.ExecuteNonQueryAsync();

            var (exit, output, error) = await CliProcess.RunAsync(_folder, [.. command.Split(' '), "--config", "mndfhir.json"]);

            AssertOneLineFailure(5, exit, output, error, "locked");
        }

        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task An_unreachable_database_server_is_a_local_fault_with_one_line()
    {
        // Port 9 (discard) on loopback: nothing listens there on the test machines.
        WriteConfig(c => c["Database"] = new JsonObject { ["Provider"] = "PostgreSql", ["ConnectionString"] = "Host=127.0.0.1;Port=9;Database=mndfhir;Username=x;Password=y;Timeout=3" });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "status", "--config", "mndfhir.json");

        AssertOneLineFailure(5, exit, output, error, "PostgreSQL");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void AssertOneLineFailure(int expectedExit, int exit, string output, string error, string mentions)
    {
        Assert.True(exit == expectedExit, $"exit {exit}, expected {expectedExit}\n{output}\n{error}");
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("mndfhir:", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count >= 1, error);
        Assert.Contains(mentions, error, StringComparison.Ordinal);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private void WriteConfig(Action<JsonObject> change)
    {
        var config = new JsonObject
        {
            ["Clinic"] = new JsonObject { ["MappingsPath"] = RepositoryPaths.Mappings, ["ExportPath"] = "export" },
            ["Database"] = new JsonObject { ["Provider"] = "Sqlite", ["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db") },
            ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(_folder, "logs") },
            ["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "files", ["Kind"] = "NdjsonFolder", ["Folder"] = Path.Combine(_folder, "out") }),
        };
        change(config);
        File.WriteAllText(Path.Combine(_folder, "mndfhir.json"), config.ToJsonString());
    }
}
