using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MndFhir.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RemovedFromExport : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "RemovedFromExportAt",
                table: "Treatments",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RemovedFromExportAt",
                table: "Patients",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RemovedFromExportAt",
                table: "Assessments",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RemovedFromExportAt",
                table: "Treatments");

            migrationBuilder.DropColumn(
                name: "RemovedFromExportAt",
                table: "Patients");

            migrationBuilder.DropColumn(
                name: "RemovedFromExportAt",
                table: "Assessments");
        }
    }
}
