using Microsoft.EntityFrameworkCore;
using MndFhir.Records;

namespace MndFhir.Data;

/// <summary>
/// The application database: clinic records, quarantine, delivery ledger, sync runs and leases. Each provider has a
/// subclass with its own migrations (<see cref="SqliteMndFhirDbContext"/>, <see cref="SqlServerMndFhirDbContext"/>,
/// <see cref="PostgreSqlMndFhirDbContext"/>); code depends on this base type only.
/// </summary>
public abstract class MndFhirDbContext(DbContextOptions options) : DbContext(options)
{
    private const int IdLength = RecordLimits.Id;
    private const int CodeLength = RecordLimits.Code;
    private const int TextLength = RecordLimits.Text;
    private const int MessageLength = 4000;

    public DbSet<PatientRecord> Patients => Set<PatientRecord>();

    public DbSet<TreatmentRecord> Treatments => Set<TreatmentRecord>();

    public DbSet<AssessmentRecord> Assessments => Set<AssessmentRecord>();

    public DbSet<QuarantinedRow> Quarantine => Set<QuarantinedRow>();

    public DbSet<LedgerEntry> Ledger => Set<LedgerEntry>();

    public DbSet<SyncRun> SyncRuns => Set<SyncRun>();

    public DbSet<DestinationLease> DestinationLeases => Set<DestinationLease>();

    public DbSet<ImportRun> ImportRuns => Set<ImportRun>();

    public DbSet<StatusSnapshot> StatusSnapshots => Set<StatusSnapshot>();

    public DbSet<ValidShape> ValidShapes => Set<ValidShape>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<ClinicDate>().HaveConversion<ClinicDateConverter>().HaveMaxLength(40);
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<PatientRecord>(e =>
        {
            e.ToTable("Patients");
            e.HasKey(p => p.PatientId);
            e.Ignore(p => p.RecordId);
            e.Ignore(p => p.IsRemoved);
            e.Property(p => p.PatientId).HasMaxLength(IdLength);
            e.Property(p => p.HospitalMrn).HasMaxLength(IdLength);
            e.Property(p => p.FamilyName).HasMaxLength(RecordLimits.Name);
            e.Property(p => p.GivenName).HasMaxLength(RecordLimits.Name);
            e.Property(p => p.ContentHash).HasMaxLength(64);
        });
        modelBuilder.Entity<TreatmentRecord>(e =>
        {
            e.ToTable("Treatments");
            e.HasKey(t => t.TreatmentId);
            e.Ignore(t => t.RecordId);
            e.Ignore(t => t.IsRemoved);
            e.Property(t => t.TreatmentId).HasMaxLength(IdLength);
            e.Property(t => t.PatientId).HasMaxLength(IdLength);
            e.Property(t => t.Code).HasMaxLength(CodeLength);
            e.Property(t => t.CellType).HasMaxLength(CodeLength);
            e.Property(t => t.BodySite).HasMaxLength(CodeLength);
            e.Property(t => t.Performer).HasMaxLength(IdLength);
            e.Property(t => t.Complication).HasMaxLength(TextLength);
            e.Property(t => t.Note).HasMaxLength(TextLength);
            e.Property(t => t.ContentHash).HasMaxLength(64);
            e.HasIndex(t => t.PatientId);
        });
        modelBuilder.Entity<AssessmentRecord>(e =>
        {
            e.ToTable("Assessments");
            e.HasKey(a => a.AssessmentId);
            e.Ignore(a => a.RecordId);
            e.Ignore(a => a.IsRemoved);
            e.Property(a => a.AssessmentId).HasMaxLength(IdLength);
            e.Property(a => a.PatientId).HasMaxLength(IdLength);
            e.Property(a => a.Code).HasMaxLength(CodeLength);
            e.Property(a => a.Value).HasMaxLength(CodeLength);
            e.Property(a => a.Unit).HasMaxLength(CodeLength);
            e.Property(a => a.PanelId).HasMaxLength(IdLength);
            e.Property(a => a.BodySite).HasMaxLength(CodeLength);
            e.Property(a => a.TreatmentId).HasMaxLength(IdLength);
            e.Property(a => a.Note).HasMaxLength(TextLength);
            e.Property(a => a.ContentHash).HasMaxLength(64);
            e.HasIndex(a => a.PatientId);
            e.HasIndex(a => a.PanelId);
        });
        modelBuilder.Entity<QuarantinedRow>(e =>
        {
            e.ToTable("Quarantine");
            e.Property(q => q.File).HasMaxLength(100);
            e.Property(q => q.Column).HasMaxLength(100);
            e.Property(q => q.Rule).HasMaxLength(64);
            e.Property(q => q.Message).HasMaxLength(MessageLength);
            e.Property(q => q.RecordId).HasMaxLength(IdLength);
            e.Property(q => q.RowHash).HasMaxLength(64);
            e.Property(q => q.Resolution).HasMaxLength(400);
            e.HasIndex(q => new { q.File, q.RecordId });
            e.HasIndex(q => q.RowHash);
            e.HasIndex(q => q.ResolvedAt);
        });
        modelBuilder.Entity<LedgerEntry>(e =>
        {
            e.ToTable("Ledger");
            e.Property(l => l.Destination).HasMaxLength(100);
            e.Property(l => l.ResourceType).HasMaxLength(40);
            e.Property(l => l.BusinessId).HasMaxLength(128);
            e.Property(l => l.RecordId).HasMaxLength(IdLength);
            e.Property(l => l.ContentHash).HasMaxLength(64);
            e.Property(l => l.InputHash).HasMaxLength(32);
            e.Property(l => l.ServerId).HasMaxLength(128);
            e.Property(l => l.ServerVersion).HasMaxLength(64);
            e.HasIndex(l => new { l.Destination, l.ResourceType, l.BusinessId }).IsUnique();
            e.HasIndex(l => new { l.Destination, l.State });
        });
        modelBuilder.Entity<SyncRun>(e =>
        {
            e.ToTable("SyncRuns");
            e.Property(r => r.Destination).HasMaxLength(100);
            e.Property(r => r.Trigger).HasMaxLength(32);
            e.Property(r => r.Error).HasMaxLength(MessageLength);
            e.HasIndex(r => new { r.Destination, r.StartedAt });
        });
        modelBuilder.Entity<ImportRun>(e =>
        {
            e.ToTable("ImportRuns");
            e.Property(r => r.Trigger).HasMaxLength(32);
            e.Property(r => r.Folder).HasMaxLength(1000);
            e.Property(r => r.Fingerprint).HasMaxLength(64);
            e.Property(r => r.Message).HasMaxLength(MessageLength);
            e.HasIndex(r => r.StartedAt);
            e.HasIndex(r => r.Fingerprint);
        });
        modelBuilder.Entity<ValidShape>(e =>
        {
            e.ToTable("ValidShapes");
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).HasMaxLength(64);
        });
        modelBuilder.Entity<StatusSnapshot>(e =>
        {
            e.ToTable("StatusSnapshots");
            e.HasKey(x => x.Destination);
            e.Property(x => x.Destination).HasMaxLength(100);
            e.Property(x => x.Key).HasMaxLength(64);
        });
        modelBuilder.Entity<DestinationLease>(e =>
        {
            e.ToTable("DestinationLeases");
            e.HasKey(l => l.Destination);
            e.Property(l => l.Destination).HasMaxLength(100);
            e.Property(l => l.Holder).HasMaxLength(200);
        });
    }
}
