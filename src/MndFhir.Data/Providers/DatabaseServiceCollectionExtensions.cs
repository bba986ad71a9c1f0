using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MndFhir.Data;

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>
    /// Registers the chosen provider's context: <c>IDbContextFactory&lt;MndFhirDbContext&gt;</c> for jobs and commands
    /// (short-lived contexts), a scoped <see cref="MndFhirDbContext"/> for request handlers, and the migrator.
    /// </summary>
    public static IServiceCollection AddMndFhirDatabase(this IServiceCollection services, DatabaseOptions options)
    {
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                services.AddDbContextFactory<SqliteMndFhirDbContext>(o => Configure(o, options));
                services.AddSingleton<IDbContextFactory<MndFhirDbContext>, ProviderContextFactory<SqliteMndFhirDbContext>>();
                break;
            case DatabaseProvider.SqlServer:
                services.AddDbContextFactory<SqlServerMndFhirDbContext>(o => Configure(o, options));
                services.AddSingleton<IDbContextFactory<MndFhirDbContext>, ProviderContextFactory<SqlServerMndFhirDbContext>>();
                break;
            case DatabaseProvider.PostgreSql:
                services.AddDbContextFactory<PostgreSqlMndFhirDbContext>(o => Configure(o, options));
                services.AddSingleton<IDbContextFactory<MndFhirDbContext>, ProviderContextFactory<PostgreSqlMndFhirDbContext>>();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "unknown database provider");
        }

        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContext());
        services.AddSingleton(options);
        services.AddSingleton<DatabaseMigrator>();
        return services;
    }

    /// <summary>The provider options of one context; also used by the design-time factories.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, DatabaseOptions options) => options.Provider switch
    {
        DatabaseProvider.Sqlite => builder.UseSqlite(options.ConnectionString),
        DatabaseProvider.SqlServer => builder.UseSqlServer(options.ConnectionString, o => o.EnableRetryOnFailure()),
        DatabaseProvider.PostgreSql => builder.UseNpgsql(options.ConnectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "unknown database provider"),
    };
}
