namespace MndFhir.Service.Pages;

/// <summary>One treatment session as a sync would send it (the mapped Procedure), for the time axis of every plot.</summary>
public sealed record TreatmentSession(string Code, string Display, DateTimeOffset At, string Date, bool IsTransplant, string RecordId, bool Retracted, IReadOnlyList<string> Notes);
