using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery.Authentication;

/// <summary>
/// The private key a destination signs its SMART Backend Services client assertions with, from a PEM file or an
/// environment variable (never from the configuration file): RSA of 2048 bits or more signs RS384, EC P-384 signs
/// ES384. <see cref="Jwks"/> is the public half, as the server's registration takes it.
/// </summary>
public sealed class SmartSigningKey : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    private SmartSigningKey(AsymmetricAlgorithm key, string keyId)
    {
        _key = key;
        KeyId = keyId;
        (SecurityKey, Algorithm) = key switch
        {
            RSA rsa => ((SecurityKey)new RsaSecurityKey(rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha384),
            ECDsa ec => (new ECDsaSecurityKey(ec) { KeyId = keyId }, SecurityAlgorithms.EcdsaSha384),
            _ => throw new ArgumentException("Only RSA and EC keys sign client assertions.", nameof(key)),
        };
    }

    public string KeyId { get; }

    /// <summary>RS384 or ES384.</summary>
    public string Algorithm { get; }

    public SecurityKey SecurityKey { get; }

    /// <summary>
    /// Reads the destination's key. Throws <see cref="ConfigurationException"/> naming the key and the destination when it
    /// is missing, unreadable, encrypted, or of a kind or size that SMART Backend Services does not take.
    /// </summary>
    public static SmartSigningKey Load(DestinationOptions destination)
    {
        string where;
        string? pem;
        if (!string.IsNullOrWhiteSpace(destination.PrivateKeyFile))
        {
            where = $"PrivateKeyFile {destination.PrivateKeyFile} of '{destination.Name}'";
            try
            {
                pem = File.ReadAllText(destination.PrivateKeyFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"{where} cannot be read: {ex.Message}", ex);
            }
        }
        else
        {
            where = $"PrivateKeyVariable {destination.PrivateKeyVariable} of '{destination.Name}'";
            pem = SecretVariables.Read(destination.PrivateKeyVariable)
                ?? throw new ConfigurationException($"{where}: the environment variable is not set (it holds the PEM private key).");
        }

        if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new ConfigurationException($"{where}: the key is encrypted; give it unencrypted in a file only this user can read, or in the environment variable.");
        }

        var keyId = destination.KeyId ?? string.Empty;
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            if (rsa.KeySize < 2048)
            {
                throw new ConfigurationException($"{where}: an RSA key of {rsa.KeySize} bits is too short; SMART Backend Services needs 2048 bits or more (RS384).");
            }

            return new SmartSigningKey(rsa, keyId);
        }
        catch (ArgumentException)
        {
            rsa.Dispose();
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
        }

        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            ec.Dispose();
            throw new ConfigurationException($"{where}: no RSA or EC private key in PEM form was found there.", ex);
        }

        if (ec.KeySize != 384)
        {
            ec.Dispose();
            throw new ConfigurationException($"{where}: an EC key must be on the curve P-384 (ES384) for SMART Backend Services.");
        }

        return new SmartSigningKey(ec, keyId);
    }

    /// <summary>The JWKS of the public key (never a private part): what the server's registration of the client holds.</summary>
    public string Jwks()
    {
        var jwk = new JsonObject { ["kty"] = _key is RSA ? "RSA" : "EC", ["kid"] = KeyId, ["use"] = "sig", ["alg"] = Algorithm, ["key_ops"] = new JsonArray("verify") };
        if (_key is RSA rsa)
        {
            var p = rsa.ExportParameters(includePrivateParameters: false);
            jwk["n"] = Base64UrlEncoder.Encode(p.Modulus);
            jwk["e"] = Base64UrlEncoder.Encode(p.Exponent);
        }
        else
        {
            var p = ((ECDsa)_key).ExportParameters(includePrivateParameters: false);
            jwk["crv"] = "P-384";
            jwk["x"] = Base64UrlEncoder.Encode(p.Q.X);
            jwk["y"] = Base64UrlEncoder.Encode(p.Q.Y);
        }

        return new JsonObject { ["keys"] = new JsonArray(jwk) }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    public void Dispose() => _key.Dispose();
}
