namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>A test that opens pages in headless Chromium; skipped, saying why, where it is not installed.</summary>
internal sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Executable is null)
        {
            Skip = "No chromium on PATH: tests/run.sh installs Debian's chromium package (apt-get install chromium); install it to run the page tests.";
        }
    }
}
