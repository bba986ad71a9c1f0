using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace MndFhir.Service.Security;

/// <summary>
/// Where the service's data protection keys live: in this process's memory, never on a disk (see
/// <see cref="ServiceHost"/>: they sign the dashboard's anti-forgery tokens, nothing that outlives a restart).
/// </summary>
internal sealed class InMemoryKeyRepository : IXmlRepository
{
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_elements)
        {
            return _elements.Select(e => new XElement(e)).ToList();
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_elements)
        {
            _elements.Add(new XElement(element));
        }
    }
}
