using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MndFhir.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class RemovedFromExport : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RemovedFromExportAt",
                table: "Treatments",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RemovedFromExportAt",
                table: "Patients",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RemovedFromExportAt",
                table: "Assessments",
                type: "timestamp with time zone",
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
