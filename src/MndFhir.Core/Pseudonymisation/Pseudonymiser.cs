using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Mapping;

namespace MndFhir.Pseudonymisation;

/// <summary>
/// Turns the resources the mapper made into what a pseudonymised registry may receive (docs/data-contract.md,
/// "Pseudonymised registries"): every business identifier (patient, condition, procedure, observation, panel, derived)
/// becomes a keyed pseudonym, HMAC-SHA-256 under the destination's secret key, in the destination's pseudonym identifier
/// systems, so the same record always gets the same pseudonym and nobody without the key can link it back; the hospital
/// MRN, names, performers, complications and every note are dropped; the birth date keeps its year only; other dates are
/// kept, or shifted by a keyed per-patient offset (the same for all of a patient's dates, so intervals hold). References
/// are resolved under the pseudonyms, so they still resolve on the destination. Pure: no I/O, no clock.
/// </summary>
public sealed class Pseudonymiser
{
    /// <summary>The shortest key accepted: 32 bytes, the HMAC-SHA-256 output size (RFC 2104 recommends at least L bytes).</summary>
    public const int MinimumKeyBytes = 32;

    private const int PseudonymHexLength = 32;
    private readonly byte[] _key;

    /// <param name="key">The secret (at least <see cref="MinimumKeyBytes"/> bytes).</param>
    /// <param name="identity">The destination's pseudonym identifier systems (<c>{base}/patient</c>, ...).</param>
    /// <param name="dateShiftDays">0: dates are kept; N: each patient's dates move by a keyed offset in [-N, N] other than 0.</param>
    public Pseudonymiser(ReadOnlySpan<byte> key, ClinicIdentity identity, int dateShiftDays)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"A pseudonym key must have at least {MinimumKeyBytes} bytes (it has {key.Length}).", nameof(key));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(dateShiftDays);
        _key = key.ToArray();
        Identity = identity;
        DateShiftDays = dateShiftDays;
    }

    /// <summary>The destination's identifier systems: business identifiers and references carry pseudonyms under them.</summary>
    public ClinicIdentity Identity { get; }

    public int DateShiftDays { get; }

    /// <summary>The pseudonym of one business identity: 32 lower-case hex digits (128 bits) of HMAC-SHA-256("{type}|{id}").</summary>
    public string Pseudonym(ResourceKey key) => Convert.ToHexStringLower(Mac($"{key.ResourceType}|{key.BusinessId}"))[..PseudonymHexLength];

    /// <summary>
    /// What this pseudonymiser's output depends on, never the key itself: the identifier base, the date shift and a check
    /// value of the key (a pseudonym of a fixed identity). Equal for two pseudonymisers that pseudonymise alike.
    /// </summary>
    public string Fingerprint => $"{Identity.IdentifierBase};{DateShiftDays};{Pseudonym(new ResourceKey("Key", "check"))}";

    /// <summary>The key a resource has at the destination.</summary>
    public ResourceKey Key(ResourceKey clinicKey) => new(clinicKey.ResourceType, Pseudonym(clinicKey));

    /// <summary>The number of days every date of the patient moves: 0 when dates are kept.</summary>
    public int DateOffsetDays(string patientId)
    {
        if (DateShiftDays == 0)
        {
            return 0;
        }

        var draw = BinaryPrimitives.ReadUInt32BigEndian(Mac($"date-offset|{patientId}"));
        var step = (int)(draw % (uint)(2 * DateShiftDays));
        return step < DateShiftDays ? step - DateShiftDays : step - DateShiftDays + 1;
    }

    /// <summary>A resolver that looks targets up under their pseudonyms; <paramref name="destination"/> resolves destination keys.</summary>
    public IReferenceResolver Resolver(IReferenceResolver destination) => new PseudonymReferenceResolver(this, destination);

    /// <summary>
    /// The resource as the destination receives it: pseudonymised in place (the mapper made it for this call), with its
    /// key and references under the pseudonyms. The mapper's explanation is dropped: it names clinic columns and ids.
    /// </summary>
    public MappedResource Apply(MappedResource mapped)
    {
        var patientId = mapped.Key.ResourceType == "Patient"
            ? mapped.Key.BusinessId
            : mapped.References.FirstOrDefault(r => r.ResourceType == "Patient").BusinessId
                ?? throw new InvalidOperationException($"{mapped.Key.ResourceType} {Pseudonym(mapped.Key)} refers to no Patient: its dates cannot be shifted.");
        var key = Key(mapped.Key);
        var identifiers = new List<Identifier> { Identity.IdentifierFor(key) };
        var resource = mapped.Resource;
        switch (resource)
        {
            case Patient patient:
                // The pseudonym replaces both the clinic's patient id and the hospital MRN.
                patient.Identifier = identifiers;
                patient.Name.Clear();
                patient.Telecom.Clear();
                patient.Address.Clear();
                patient.Contact.Clear();
                patient.BirthDate = patient.BirthDate is { Length: >= 4 } birth ? birth[..4] : null;
                break;
            case Procedure procedure:
                procedure.Identifier = identifiers;
                procedure.Performer.Clear();
                procedure.Complication.Clear();
                procedure.Note.Clear();
                break;
            case Observation observation:
                observation.Identifier = identifiers;
                observation.Note.Clear();
                break;
            case Condition condition:
                condition.Identifier = identifiers;
                condition.Note.Clear();
                break;
            default:
                throw new NotSupportedException($"No pseudonymisation rule for {resource.TypeName}.");
        }

        ((DomainResource)resource).Text = null;
        var offset = DateOffsetDays(patientId);
        if (offset != 0)
        {
            ShiftDates(resource, offset, skip: (resource as Patient)?.BirthDateElement);
        }

        return mapped with
        {
            Key = key,
            References = mapped.References.Select(Key).ToArray(),
            Unresolved = mapped.Unresolved.Select(Key).ToArray(),
            Explanation = [],
        };
    }

    private static void ShiftDates(Base element, int days, Base? skip)
    {
        foreach (var (_, value) in element.EnumerateElements())
        {
            foreach (var child in value is IEnumerable<Base> list ? list : [(Base)value])
            {
                switch (child)
                {
                    case var _ when ReferenceEquals(child, skip):
                        break;
                    case FhirDateTime dateTime when dateTime.Value is { } v:
                        dateTime.Value = DateShift.Shift(v, days);
                        break;
                    case Date date when date.Value is { } v:
                        date.Value = DateShift.Shift(v, days);
                        break;
                    case PrimitiveType:
                        break;
                    default:
                        ShiftDates(child, days, skip);
                        break;
                }
            }
        }
    }

    private byte[] Mac(string text) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text));

    private sealed class PseudonymReferenceResolver(Pseudonymiser pseudonyms, IReferenceResolver destination) : IReferenceResolver
    {
        public ResourceReference? Resolve(ResourceKey target) => destination.Resolve(pseudonyms.Key(target));

        public System.Threading.Tasks.Task PrepareAsync(UpcomingKeys upcoming, CancellationToken ct) =>
            destination.PrepareAsync(new UpcomingKeys([.. upcoming.Made.Select(pseudonyms.Key)], [.. upcoming.ReferredTo.Select(pseudonyms.Key)]), ct);
    }
}
