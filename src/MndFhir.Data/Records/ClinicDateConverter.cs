using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using MndFhir.Records;

namespace MndFhir.Data;

/// <summary>Stores a <see cref="ClinicDate"/> as its ISO 8601 text, keeping partial dates partial.</summary>
public sealed class ClinicDateConverter() : ValueConverter<ClinicDate, string>(d => d.Value, s => ClinicDate.Parse(s));
