using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MndFhir.Data.Migrations.SqlServer
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
                type: "int",
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
