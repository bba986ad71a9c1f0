namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>What the fault proxy does to one request instead of passing it through untouched.</summary>
public enum FaultKind
{
    None,

    /// <summary>Answers 500 without forwarding.</summary>
    ServerError,

    /// <summary>Answers 429 with Retry-After: 1 without forwarding.</summary>
    TooManyRequests,

    /// <summary>Holds the request longer than the client waits, without forwarding.</summary>
    Timeout,

    /// <summary>Closes the connection without answering and without forwarding.</summary>
    DropConnection,

    /// <summary>Forwards the request (the server commits it) and then closes the connection: the answer is lost.</summary>
    LoseResponse,

    /// <summary>Waits <c>Hold</c>, then forwards the request and returns the server's answer: a slow server that answers.</summary>
    SlowAnswer,

    /// <summary>Answers 200 with an HTML page (a proxy's or a login page) without forwarding.</summary>
    HtmlPage,

    /// <summary>Answers 200 with JSON that is not a FHIR Bundle without forwarding.</summary>
    NotABundle,
}
