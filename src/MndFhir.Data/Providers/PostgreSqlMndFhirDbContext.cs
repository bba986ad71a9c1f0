using Microsoft.EntityFrameworkCore;

namespace MndFhir.Data;

public sealed class PostgreSqlMndFhirDbContext(DbContextOptions<PostgreSqlMndFhirDbContext> options) : MndFhirDbContext(options);
