using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MndFhir.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LedgerLastStatus : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "LastStatus",
                table: "Ledger",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LastStatus",
                table: "Ledger");
        }
    }
}
