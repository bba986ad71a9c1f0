using System.Text;

namespace MndFhir.Intake;

/// <summary>
/// An RFC 4180 reader: comma separated, fields optionally in double quotes, <c>""</c> for a quote inside quotes,
/// quoted fields may span lines, CRLF or LF line ends. Reports the physical line each record starts on, so messages
/// can name the line an editor shows. Reads one record at a time from the underlying reader.
/// </summary>
public sealed class CsvRecordReader(TextReader reader)
{
    private readonly StringBuilder _field = new();
    private long _line = 1;

    /// <summary>The line the last record returned by <see cref="ReadAsync"/> starts on (1-based).</summary>
    public long RecordLine { get; private set; }

    /// <summary>The next record's fields, or null at the end of the input.</summary>
    public async Task<List<string>?> ReadAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var buffer = new char[1];
        var fields = new List<string>();
        var quoted = false;
        var wasQuoted = false;
        var any = false;
        RecordLine = _line;
        _field.Clear();
        while (true)
        {
            var read = await reader.ReadAsync(buffer.AsMemory(), ct);
            if (read == 0)
            {
                if (!any)
                {
                    return null;
                }

                fields.Add(_field.ToString());
                return fields;
            }

            any = true;
            var c = buffer[0];
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        _field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        _line++;
                    }

                    _field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when _field.Length == 0 && !wasQuoted:
                    quoted = true;
                    wasQuoted = true;
                    break;
                case ',':
                    fields.Add(_field.ToString());
                    _field.Clear();
                    wasQuoted = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    _line++;
                    fields.Add(_field.ToString());
                    return fields;
                default:
                    _field.Append(c);
                    break;
            }
        }
    }
}
