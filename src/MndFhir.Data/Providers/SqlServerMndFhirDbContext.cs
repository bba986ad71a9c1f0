using Microsoft.EntityFrameworkCore;

namespace MndFhir.Data;

public sealed class SqlServerMndFhirDbContext(DbContextOptions<SqlServerMndFhirDbContext> options) : MndFhirDbContext(options);
