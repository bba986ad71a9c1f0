using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MndFhir.Data.Migrations.SqlServer
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
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RemovedFromExportAt",
                table: "Patients",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RemovedFromExportAt",
                table: "Assessments",
                type: "datetimeoffset",
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
