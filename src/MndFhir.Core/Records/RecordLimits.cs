namespace MndFhir.Records;

/// <summary>
/// How long each kind of clinic field may be: what the database columns keep and intake enforces, so that a row the
/// intake accepts is never cut short or refused by the database later.
/// </summary>
public static class RecordLimits
{
    /// <summary>Clinic ids (the contract's id rule) and the hospital MRN.</summary>
    public const int Id = 64;

    /// <summary>Clinic codes, units and values as written.</summary>
    public const int Code = 64;

    /// <summary>Family and given names.</summary>
    public const int Name = 200;

    /// <summary>Free text (note, complication): the contract's limit on one field.</summary>
    public const int Text = 10_000;
}
