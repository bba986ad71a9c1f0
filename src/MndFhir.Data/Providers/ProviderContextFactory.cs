using Microsoft.EntityFrameworkCore;

namespace MndFhir.Data;

/// <summary>Hands out the configured provider's context as the provider-neutral <see cref="MndFhirDbContext"/>.</summary>
internal sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<MndFhirDbContext>
    where TContext : MndFhirDbContext
{
    public MndFhirDbContext CreateDbContext() => inner.CreateDbContext();

    public async Task<MndFhirDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken);
}
