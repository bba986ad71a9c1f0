// Synthetic clinic export generator (no real person's data).
//
//   dotnet run samples/generate-samples.cs -- --out samples/clinic-export --patients 60 --seed 20261125
//
// Writes patients.csv, treatments.csv and assessments.csv (UTF-8 without BOM, LF line endings,
// RFC 4180 quoting, header row, columns as in docs/clinic-export-format.md) into --out, and a small
// deliberately broken export plus its README into --bad-out (default: a `bad-export` folder beside --out).
// Output is a pure function of the arguments: the same seed gives byte-identical files.
// Uses no NuGet packages and no System.Random (its algorithm is not a documented contract).

using System.Globalization;
using System.Text;
using MndFhirSamples;

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: dotnet run samples/generate-samples.cs -- --out DIR [--patients N] [--seed N] [--bad-out DIR]");
    return 2;
}

var export = Generator.Generate(options.Patients, options.Seed);
Directory.CreateDirectory(options.Out);
Csv.Write(Path.Combine(options.Out, "patients.csv"), Columns.Patients, export.Patients);
Csv.Write(Path.Combine(options.Out, "treatments.csv"), Columns.Treatments, export.Treatments);
Csv.Write(Path.Combine(options.Out, "assessments.csv"), Columns.Assessments, export.Assessments);

BadExport.Write(options.BadOut);

Summary.Print(Console.Out, options, export);
return 0;

namespace MndFhirSamples
{
    internal sealed record Options(string Out, string BadOut, int Patients, ulong Seed)
    {
        public static Options? Parse(string[] args)
        {
            string? output = null, badOut = null;
            var patients = 60;
            ulong seed = 20261125;
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : null;
                switch (args[i])
                {
                    case "--out" when value is not null: output = value; i++; break;
                    case "--bad-out" when value is not null: badOut = value; i++; break;
                    case "--patients" when value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 9999:
                        patients = n; i++; break;
                    case "--seed" when value is not null && ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s):
                        seed = s; i++; break;
                    default: return null;
                }
            }

            if (output is null)
            {
                return null;
            }

            var parent = Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".";
            return new Options(output, badOut ?? Path.Combine(parent, "bad-export"), patients, seed);
        }
    }

    /// <summary>SplitMix64: small, fast, and its output is fixed by its definition on every platform.</summary>
    internal sealed class Rng(ulong seed)
    {
        private ulong _state = seed;

        public static ulong Mix(ulong a, ulong b)
        {
            var z = a * 0x9E3779B97F4A7C15UL ^ (b + 0x632BE59BD9B4E019UL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public ulong NextULong()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, 1).</summary>
        public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Uniform integer in [min, max] (both inclusive).</summary>
        public int Int(int min, int max) => min + (int)(NextULong() % (ulong)(max - min + 1));

        public double Range(double min, double max) => min + (NextDouble() * (max - min));

        public bool Chance(double p) => NextDouble() < p;

        public T Pick<T>(IReadOnlyList<T> items) => items[Int(0, items.Count - 1)];

        /// <summary>Picks a key by weight.</summary>
        public T Weighted<T>(params (T Item, double Weight)[] choices)
        {
            var total = choices.Sum(c => c.Weight);
            var x = NextDouble() * total;
            foreach (var (item, weight) in choices)
            {
                if (x < weight)
                {
                    return item;
                }

                x -= weight;
            }

            return choices[^1].Item;
        }
    }

    internal static class Columns
    {
        public static readonly string[] Patients =
        [
            "patient_id", "hospital_mrn", "family_name", "given_name", "sex", "birth_date", "diagnosis",
            "onset_date", "onset_region", "diagnosis_date", "registry_consent", "deceased_date",
        ];

        public static readonly string[] Treatments =
        [
            "treatment_id", "patient_id", "code", "status", "performed_start", "performed_end", "cell_type",
            "cell_source", "cell_count", "body_site", "cycle", "performer", "complication", "note",
        ];

        public static readonly string[] Assessments =
        [
            "assessment_id", "patient_id", "code", "value", "unit", "effective", "panel_id", "body_site",
            "treatment_id", "status", "note",
        ];
    }

    internal static class Csv
    {
        public static string Field(string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return string.Empty;
            }

            return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
        }

        public static string Render(string[] columns, IEnumerable<IReadOnlyDictionary<string, string>> rows)
        {
            var sb = new StringBuilder();
            sb.Append(string.Join(',', columns.Select(Field))).Append('\n');
            foreach (var row in rows)
            {
                sb.Append(string.Join(',', columns.Select(c => Field(row.TryGetValue(c, out var v) ? v : null)))).Append('\n');
            }

            return sb.ToString();
        }

        public static void Write(string path, string[] columns, IEnumerable<IReadOnlyDictionary<string, string>> rows) =>
            File.WriteAllText(path, Render(columns, rows), new UTF8Encoding(false));
    }

    internal static class Fmt
    {
        public static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        public static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", Inv);

        public static string Month(DateOnly d) => d.ToString("yyyy-MM", Inv);

        public static string DateTime(DateOnly d, int minuteOfDay) =>
            string.Create(Inv, $"{d:yyyy-MM-dd}T{minuteOfDay / 60:00}:{minuteOfDay % 60:00}:00+08:00");

        public static string Num(double v, int decimals) =>
            Math.Round(v, decimals, MidpointRounding.AwayFromZero).ToString("F" + decimals.ToString(Inv), Inv);

        /// <summary>Cell count like <c>1.2e8</c>.</summary>
        public static string Cells(double count)
        {
            var exponent = (int)Math.Floor(Math.Log10(count));
            var mantissa = Math.Round(count / Math.Pow(10, exponent), 1, MidpointRounding.AwayFromZero);
            if (mantissa >= 10)
            {
                mantissa /= 10;
                exponent++;
            }

            return string.Create(Inv, $"{mantissa:0.0}e{exponent}");
        }
    }

    internal enum Region { Bulbar, Spinal, Respiratory, Generalized }

    internal sealed class Export
    {
        public List<Dictionary<string, string>> Patients { get; } = [];
        public List<Dictionary<string, string>> Treatments { get; } = [];
        public List<Dictionary<string, string>> Assessments { get; } = [];
    }

    internal sealed class Treatment
    {
        public required string Code { get; init; }
        public required DateOnly Start { get; init; }
        public string Status { get; set; } = "completed";
        public string? StartText { get; set; }
        public string? EndText { get; set; }
        public string? CellType { get; set; }
        public string? CellSource { get; set; }
        public string? CellCount { get; set; }
        public string? BodySite { get; set; }
        public string? Cycle { get; set; }
        public string? Performer { get; set; }
        public string? Complication { get; set; }
        public string? Note { get; set; }
        public string Id { get; set; } = string.Empty;
        public bool IsTransplant => Code.StartsWith("SC_", StringComparison.Ordinal);
    }

    internal sealed class Visit
    {
        public required DateOnly Date { get; init; }
        public string Effective { get; set; } = string.Empty;
        public Treatment? FollowUpOf { get; set; }
        public bool Review { get; set; }
        public int[] Items { get; set; } = [];
        public int Total => Items.Sum();
    }

    internal static class Generator
    {
        private static readonly DateOnly FirstVisitFrom = new(2023, 1, 9);
        private static readonly DateOnly FirstVisitTo = new(2024, 8, 15);
        private static readonly DateOnly DataEnd = new(2026, 10, 31);
        private const int FollowUpDays = 730;

        // Invented names, deliberately not taken from any real person or name list.
        private static readonly string[] FamilyNames =
        [
            "Quillborne", "Zandervelt", "Mockaday", "Trundlewick", "Pemberlax", "Sampleton", "Vorrinsk", "Fictorian",
            "Drosselmoot", "Yarrowquist", "Ebbleshaw", "Klavinor", "Nonesuch", "Placeby", "Testerwold", "Umbrevane",
        ];

        private static readonly string[] MaleNames =
        [
            "Arvindel", "Brastor", "Corvello", "Dunmoric", "Evanthor", "Falkory", "Gorrimund", "Hestovan", "Ithrel", "Jorvath",
        ];

        private static readonly string[] FemaleNames =
        [
            "Amarisse", "Belquine", "Caskaya", "Dovrielle", "Elsquin", "Fennimar", "Galevra", "Hollisande", "Imberlyn", "Jessovae",
        ];

        private static readonly string[] NeutralNames = ["Kestrel-Ann", "Lorrimer", "Marrowen", "Nyx-Ollie"];

        private static readonly string[] Neurologists = ["S-101", "S-102", "S-104", "S-107"];
        private static readonly string[] Therapists = ["S-201", "S-203", "S-205", "S-206", "S-208"];
        private static readonly string[] Proceduralists = ["S-301", "S-302", "S-305"];

        private static readonly string[] MasScale = ["0", "1", "1+", "2", "3", "4"];

        private static readonly string[] MasSites =
        [
            "elbow-flexors-left", "elbow-flexors-right", "knee-extensors-left", "knee-extensors-right",
            "ankle-plantarflexors-left", "ankle-plantarflexors-right",
        ];

        public static Export Generate(int patientCount, ulong seed)
        {
            var export = new Export();
            var cohort = new Rng(Rng.Mix(seed, 0));

            // Cohort-level choices made up front so that they do not depend on per-patient randomness.
            var order = Enumerable.Range(0, patientCount).OrderBy(_ => cohort.NextULong()).ToArray();
            var deceased = order.Take((int)Math.Round(patientCount * 0.15)).ToHashSet();
            var nscPatients = order.Skip(patientCount / 2).Take(Math.Max(1, patientCount / 40)).ToHashSet();
            var notDoneCandidate = order[^1];

            // Diagnosis mix by quota (mostly ALS), so that a small cohort still has every diagnosis.
            var diagnoses = Enumerable.Repeat("ALS", patientCount).ToArray();
            var byDiagnosis = Enumerable.Range(0, patientCount).OrderBy(_ => cohort.NextULong()).ToArray();
            var next = 0;
            foreach (var (code, share) in new[] { ("PBP", 0.07), ("PLS", 0.07), ("PMA", 0.06), ("MND", 0.05) })
            {
                for (var k = 0; k < Math.Max(1, (int)Math.Round(patientCount * share)) && next < patientCount - 1; k++)
                {
                    diagnoses[byDiagnosis[next++]] = code;
                }
            }

            // Sex: one `other` and one `unknown` in any cohort of 20 or more, the rest drawn per patient.
            var bySex = Enumerable.Range(0, patientCount).OrderBy(_ => cohort.NextULong()).ToArray();
            var sexes = new string?[patientCount];
            if (patientCount >= 20)
            {
                sexes[bySex[0]] = "other";
                sexes[bySex[1]] = "unknown";
            }

            var treatmentNo = 0;
            var assessmentNo = 0;
            var notDoneUsed = false;
            var plans = new List<PatientPlan>();

            for (var index = 0; index < patientCount; index++)
            {
                var rng = new Rng(Rng.Mix(seed, (ulong)index + 1));
                var plan = PatientPlan.Create(index, rng, deceased.Contains(index), nscPatients.Contains(index), diagnoses[index], sexes[index]);
                plans.Add(plan);
            }

            // One cancelled session and a few recent courses still running.
            var notDonePlan = plans.FirstOrDefault(p => p.Index == notDoneCandidate && !p.Deceased && p.Sessions.Count >= 3)
                ?? plans.First(p => !p.Deceased && p.Sessions.Count >= 3);
            var inProgressPlans = plans.Where(p => !p.Deceased).OrderByDescending(p => p.FirstVisit).Take(Math.Max(1, patientCount / 15)).ToHashSet();

            foreach (var plan in plans)
            {
                var rng = new Rng(Rng.Mix(seed ^ 0xA5A5A5A5UL, (ulong)plan.Index + 1));
                if (plan == notDonePlan && !notDoneUsed)
                {
                    var last = plan.Sessions[^1];
                    last.Status = "not-done";
                    last.CellCount = null;
                    last.EndText = null;
                    last.Complication = null;
                    last.Note = "session cancelled: chest infection; course not resumed";
                    notDoneUsed = true;
                }

                plan.BuildVisits(rng);
                plan.BuildCourses(rng, inProgressPlans.Contains(plan), DataEnd);

                var treatments = plan.AllTreatments().OrderBy(t => t.Start).ThenBy(t => t.Code, StringComparer.Ordinal).ToList();
                foreach (var t in treatments)
                {
                    t.Id = string.Create(Fmt.Inv, $"T-{++treatmentNo:00000}");
                }

                export.Patients.Add(plan.PatientRow());
                export.Treatments.AddRange(treatments.Select(t => TreatmentRow(plan, t)));
                foreach (var row in plan.AssessmentRows(rng))
                {
                    row["assessment_id"] = string.Create(Fmt.Inv, $"A-{++assessmentNo:000000}");
                    export.Assessments.Add(row);
                }
            }

            return export;
        }

        private static Dictionary<string, string> TreatmentRow(PatientPlan plan, Treatment t)
        {
            var row = new Dictionary<string, string>
            {
                ["treatment_id"] = t.Id,
                ["patient_id"] = plan.PatientId,
                ["code"] = t.Code,
                ["status"] = t.Status,
                ["performed_start"] = t.StartText ?? Fmt.Date(t.Start),
            };
            Put(row, "performed_end", t.EndText);
            Put(row, "cell_type", t.CellType);
            Put(row, "cell_source", t.CellSource);
            Put(row, "cell_count", t.CellCount);
            Put(row, "body_site", t.BodySite);
            Put(row, "cycle", t.Cycle);
            Put(row, "performer", t.Performer);
            Put(row, "complication", t.Complication);
            Put(row, "note", t.Note);
            return row;
        }

        private static void Put(Dictionary<string, string> row, string column, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                row[column] = value;
            }
        }

        private static DateOnly Weekday(DateOnly d) => d.DayOfWeek switch
        {
            DayOfWeek.Saturday => d.AddDays(2),
            DayOfWeek.Sunday => d.AddDays(1),
            _ => d,
        };

        private sealed class PatientPlan
        {
            public int Index { get; private init; }
            public string PatientId => string.Create(Fmt.Inv, $"P-{Index + 1:0000}");
            public bool Deceased { get; private init; }
            public DateOnly FirstVisit { get; private init; }
            public List<Treatment> Sessions { get; } = [];

            private readonly List<Treatment> _other = [];
            private readonly List<Visit> _visits = [];
            private Dictionary<string, string> _patient = [];
            private string _sex = "unknown";
            private string _diagnosis = "ALS";
            private Region _region;
            private int _age;
            private double _startTotal;
            private double _ratePerMonth;
            private int[] _lossOrder = [];
            private double _fvc0, _fvcPct0, _fvcDecline3m;
            private double _weight0, _weightLossPerMonth;
            private double _gripLeft0, _gripRight0;
            private bool _spastic, _pain, _oximetry, _opioid;
            private string[] _masSites = [];
            private int[] _masStart = [];
            private string[] _romJoints = [];
            private double[] _romStart = [];
            private DateOnly? _deceasedDate;
            private DateOnly? _gastrostomy, _nivStart;

            public static PatientPlan Create(int index, Rng rng, bool deceased, bool nsc, string diagnosis, string? sex)
            {
                var firstVisit = Weekday(FirstVisitFrom.AddDays(rng.Int(0, FirstVisitTo.DayNumber - FirstVisitFrom.DayNumber)));
                var plan = new PatientPlan { Index = index, Deceased = deceased, FirstVisit = firstVisit };
                plan.Init(rng, nsc, diagnosis, sex);
                return plan;
            }

            private void Init(Rng rng, bool nsc, string diagnosis, string? sex)
            {
                _sex = sex ?? rng.Weighted(("male", 0.6), ("female", 0.4));
                _diagnosis = diagnosis;
                _region = _diagnosis switch
                {
                    "PBP" => Region.Bulbar,
                    "PLS" or "PMA" => Region.Spinal,
                    _ => rng.Weighted((Region.Bulbar, 0.28), (Region.Spinal, 0.6), (Region.Respiratory, 0.05), (Region.Generalized, 0.07)),
                };
                _age = rng.Int(35, 80);
                var birth = FirstVisit.AddYears(-_age).AddDays(-rng.Int(0, 364));
                var onset = FirstVisit.AddMonths(-rng.Int(8, 30)).AddDays(-rng.Int(0, 27));
                var maxGapMonths = Math.Max(3, Math.Min(14, ((FirstVisit.DayNumber - onset.DayNumber) / 30) - 1));
                var diagnosed = onset.AddMonths(rng.Int(3, maxGapMonths)).AddDays(rng.Int(0, 20));
                if (diagnosed > FirstVisit.AddDays(-14))
                {
                    diagnosed = FirstVisit.AddDays(-14);
                }

                var given = _sex switch
                {
                    "male" => rng.Pick(MaleNames),
                    "female" => rng.Pick(FemaleNames),
                    _ => rng.Pick(NeutralNames),
                };

                _patient = new Dictionary<string, string>
                {
                    ["patient_id"] = PatientId,
                    ["family_name"] = rng.Pick(FamilyNames),
                    ["given_name"] = given,
                    ["sex"] = _sex,
                    ["birth_date"] = rng.Chance(0.2) ? Fmt.Month(birth) : Fmt.Date(birth),
                    ["diagnosis"] = _diagnosis,
                    ["onset_date"] = rng.Chance(0.3) ? Fmt.Month(onset) : Fmt.Date(onset),
                    ["diagnosis_date"] = Fmt.Date(diagnosed),
                    ["registry_consent"] = rng.Chance(0.8) ? "yes" : "no",
                };
                if (!(_diagnosis == "MND" && rng.Chance(0.5)))
                {
                    _patient["onset_region"] = _region.ToString().ToLowerInvariant();
                }

                if (rng.Chance(0.7))
                {
                    _patient["hospital_mrn"] = string.Create(Fmt.Inv, $"MRN{rng.Int(1000000, 9899999)}");
                }

                // ALSFRS-R trajectory: start 30-44, falling 0.5-1.0 points per month.
                _startTotal = rng.Int(30, 44);
                _ratePerMonth = Deceased ? rng.Range(0.7, 0.95) : rng.Range(0.5, 1.0);
                _lossOrder = LossOrder(rng, _region, 48 - (int)_startTotal);

                // Spirometry: predicted FVC by sex, start 60-110 % of predicted and 2.5-4.5 L.
                for (var attempt = 0; ; attempt++)
                {
                    var predicted = _sex == "female" ? rng.Range(2.9, 3.8) : rng.Range(3.8, 5.0);
                    _fvcPct0 = rng.Range(60, 110);
                    _fvc0 = predicted * _fvcPct0 / 100;
                    if (_fvc0 is >= 2.5 and <= 4.5 || attempt > 200)
                    {
                        _fvc0 = Math.Clamp(_fvc0, 2.5, 4.5);
                        _fvcPct0 = Math.Clamp(_fvc0 / predicted * 100, 60, 110);
                        break;
                    }
                }

                _fvcDecline3m = _region == Region.Respiratory ? rng.Range(0.035, 0.04) : rng.Range(0.02, 0.04);

                _weight0 = _sex == "female" ? rng.Range(48, 80) : rng.Range(58, 95);
                _weightLossPerMonth = rng.Range(0.1, 0.35) + (_region == Region.Bulbar ? 0.15 : 0);
                var grip = _sex == "female" ? rng.Range(12, 28) : rng.Range(20, 44);
                _gripLeft0 = grip * rng.Range(0.8, 1.05);
                _gripRight0 = grip * rng.Range(0.9, 1.1);

                _spastic = _diagnosis == "PLS" || (_diagnosis != "PMA" && rng.Chance(0.4));
                _pain = rng.Chance(0.5);
                _opioid = _pain && rng.Chance(0.45);
                _oximetry = _region == Region.Respiratory || rng.Chance(0.6);
                if (_spastic)
                {
                    var pairs = new[] { 0, 2, 4 }.OrderBy(_ => rng.NextULong()).Take(rng.Int(1, 2)).ToArray();
                    _masSites = pairs.SelectMany(p => new[] { MasSites[p], MasSites[p + 1] }).ToArray();
                    _masStart = _masSites.Select(_ => rng.Int(0, 2)).ToArray();
                    _romJoints = rng.Chance(0.5) ? ["knee-left", "knee-right"] : ["shoulder-left", "shoulder-right"];
                    _romStart = _romJoints.Select(j => j.StartsWith("knee", StringComparison.Ordinal) ? rng.Range(118, 140) : rng.Range(140, 175)).ToArray();
                }

                var cellType = nsc ? "NSC" : rng.Weighted(("BM-MNC", 0.82), ("BM-MSC", 0.18));
                var cellSource = nsc || (cellType == "BM-MSC" && rng.Chance(0.12)) ? "allogeneic" : "autologous";
                PlanHarvestAndSessions(rng, cellType, cellSource);

                if (Deceased)
                {
                    var lastSession = Sessions.Max(s => s.Start);
                    var from = Math.Max(FirstVisit.DayNumber + 270, lastSession.DayNumber + 45);
                    var to = Math.Max(from + 30, FirstVisit.DayNumber + 700);
                    _deceasedDate = DateOnly.FromDayNumber(rng.Int(from, to));
                    _patient["deceased_date"] = Fmt.Date(_deceasedDate.Value);
                }
            }

            /// <summary>
            /// The order in which the 48 ALSFRS-R points are lost: item i appears 4 times. The region of onset is
            /// lost first (bulbar 01-03, spinal 04-09, respiratory 10-12); respiratory insufficiency (12) comes late.
            /// An item's value at a total loss L is 4 minus its count among the first L entries, so items only
            /// fall as the total falls and always sum to the total.
            /// </summary>
            private static int[] LossOrder(Rng rng, Region region, int baselineLoss)
            {
                var upperFirst = rng.Chance(0.5);
                var weights = new double[12];
                for (var i = 0; i < 12; i++)
                {
                    var item = i + 1;
                    var bulbar = item <= 3;
                    var upper = item is >= 4 and <= 6;
                    var lower = item is >= 7 and <= 9;
                    var resp = item >= 10;
                    weights[i] = region switch
                    {
                        Region.Bulbar => bulbar ? 9 : resp ? 0.8 : 1.2,
                        Region.Spinal => bulbar ? 0.5 : resp ? 0.5 : (upper == upperFirst || (lower && !upperFirst)) ? 6 : 2.2,
                        Region.Respiratory => resp ? 9 : bulbar ? 1.0 : 1.2,
                        _ => resp ? 0.9 : 1.5,
                    };
                    weights[i] *= item switch { 2 => 0.8, 10 => 1.4, 11 => 1.0, 12 => 0.6, _ => 1.0 };
                }

                var remaining = Enumerable.Repeat(4, 12).ToArray();
                var order = new int[48];
                for (var k = 0; k < 48; k++)
                {
                    var total = 0.0;
                    for (var i = 0; i < 12; i++)
                    {
                        total += Weight(i, k);
                    }

                    var x = rng.NextDouble() * total;
                    var chosen = -1;
                    for (var i = 0; i < 12; i++)
                    {
                        var w = Weight(i, k);
                        if (w <= 0)
                        {
                            continue;
                        }

                        chosen = i;
                        if (x < w)
                        {
                            break;
                        }

                        x -= w;
                    }

                    order[k] = chosen;
                    remaining[chosen]--;
                }

                return order;

                // Nobody is on ventilation (item 12 below 4) at the first visit.
                double Weight(int i, int k) =>
                    remaining[i] == 0 || (i == 11 && k < baselineLoss + 2 && remaining.Where((r, j) => j != 11).Sum() > 0) ? 0 : weights[i];
            }

            private void PlanHarvestAndSessions(Rng rng, string cellType, string cellSource)
            {
                var harvest = Weekday(FirstVisit.AddDays(rng.Int(1, 6)));
                _other.Add(new Treatment
                {
                    Code = "BM_HARVEST",
                    Start = harvest,
                    BodySite = null,
                    Performer = rng.Pick(Proceduralists),
                    Complication = rng.Chance(0.04) ? "vasovagal reaction during aspiration" : null,
                    Note = cellSource == "allogeneic" ? "marrow assessment only; allogeneic cells planned"
                        : cellType == "BM-MSC" ? "cells sent for culture, expected 4 weeks" : null,
                });

                // Course plan: intrathecal, intrathecal with intravenous, intravenous only, or intrathecal with local.
                var plan = rng.Weighted(("IT", 0.5), ("IT+IV", 0.25), ("IV", 0.1), ("IT+LOCAL", 0.15));
                if (cellType == "NSC")
                {
                    plan = "IT";
                }

                var n = rng.Int(2, 6);
                var first = Weekday(harvest.AddDays(cellType == "BM-MSC" ? rng.Int(28, 40) : rng.Int(1, 3)));
                var localSite = rng.Chance(0.5) ? "muscle-upper-limb" : "muscle-lower-limb";
                AddCourse(rng, plan, n, first, cellType, cellSource, localSite);

                // A few patients get a short booster course in the second year.
                if (rng.Chance(0.15))
                {
                    var booster = Weekday(FirstVisit.AddDays(rng.Int(400, 520)));
                    if (booster > Sessions[^1].Start.AddDays(90))
                    {
                        AddCourse(rng, plan == "IV" ? "IV" : "IT", 2, booster, cellType, cellSource, localSite);
                        Sessions[^2].Note ??= "booster course";
                    }
                }
            }

            private void AddCourse(Rng rng, string plan, int n, DateOnly first, string cellType, string cellSource, string localSite)
            {
                var date = first;
                for (var k = 1; k <= n; k++)
                {
                    var code = plan switch
                    {
                        "IV" => "SC_INTRAVENOUS",
                        "IT+IV" => k % 2 == 1 ? "SC_INTRATHECAL" : "SC_INTRAVENOUS",
                        "IT+LOCAL" => k % 2 == 1 ? "SC_INTRATHECAL" : "SC_LOCAL",
                        _ => "SC_INTRATHECAL",
                    };
                    var count = (cellType, code) switch
                    {
                        ("NSC", _) => rng.Range(1e7, 3e7),
                        (_, "SC_LOCAL") => rng.Range(1e7, 5e7),
                        ("BM-MSC", "SC_INTRAVENOUS") => rng.Range(5e7, 1.5e8),
                        ("BM-MSC", _) => rng.Range(3e7, 1e8),
                        (_, "SC_INTRAVENOUS") => rng.Range(1e8, 5e8),
                        _ => rng.Range(5e7, 2.5e8),
                    };
                    var t = new Treatment
                    {
                        Code = code,
                        Start = date,
                        CellType = cellType,
                        CellSource = cellSource,
                        CellCount = Fmt.Cells(count),
                        BodySite = code switch { "SC_INTRATHECAL" => "lumbar", "SC_LOCAL" => localSite, _ => null },
                        Cycle = string.Create(Fmt.Inv, $"{k}/{n}"),
                        Performer = rng.Pick(Neurologists),
                    };
                    if (rng.Chance(0.3))
                    {
                        var minute = rng.Int(8 * 60, 15 * 60) / 5 * 5;
                        t.StartText = Fmt.DateTime(date, minute);
                        t.EndText = Fmt.DateTime(date, minute + rng.Int(4, 18) * 5);
                    }

                    t.Complication = code switch
                    {
                        "SC_INTRATHECAL" when rng.Chance(0.1) => "post-lumbar-puncture headache",
                        "SC_INTRATHECAL" when rng.Chance(0.04) => "transient low back pain at the puncture site",
                        "SC_INTRAVENOUS" when rng.Chance(0.06) => "fever 38.1 C within 24 h, resolved without treatment",
                        "SC_LOCAL" when rng.Chance(0.08) => "injection-site bruising",
                        _ => null,
                    };
                    if (t.Complication == "post-lumbar-puncture headache")
                    {
                        t.Note = "resolved after 2 days of bed rest, fluids and paracetamol";
                    }
                    else if (rng.Chance(0.06))
                    {
                        t.Note = rng.Pick(new[]
                        {
                            "patient reports \"less cramping\" since last session",
                            "cell viability 94%, within release criteria",
                            "performed under ultrasound guidance",
                            "family present; consent reconfirmed",
                        });
                    }

                    Sessions.Add(t);
                    date = Weekday(date.AddDays(rng.Int(60, 95)));
                }
            }

            public void BuildVisits(Rng rng)
            {
                var done = Sessions.Where(s => s.Status != "not-done").Select(s => s.Start).ToList();
                var end = FirstVisit.AddDays(FollowUpDays);
                var prev = FirstVisit;
                var dates = new List<DateOnly> { FirstVisit };
                while (prev < end)
                {
                    var candidate = Weekday(prev.AddDays(rng.Chance(0.08) ? rng.Int(35, 60) : rng.Int(84, 98)));
                    var session = done.Where(s => s > prev && s <= candidate).Select(s => (DateOnly?)s).FirstOrDefault();
                    var next = session is { } s2 ? Weekday(s2.AddDays(rng.Int(28, 50))) : candidate;
                    if (next >= end)
                    {
                        // Last visit: at two years, and not just days after the one before.
                        var last = end.AddDays(rng.Int(0, 14));
                        var spaced = prev.AddDays(rng.Int(42, 60));
                        next = Weekday(last > spaced ? last : spaced);
                    }

                    dates.Add(next);
                    prev = next;
                }

                if (_deceasedDate is { } died)
                {
                    dates = dates.Where(d => d < died.AddDays(-3)).ToList();
                }

                foreach (var date in dates)
                {
                    var visit = new Visit { Date = date };
                    visit.Effective = rng.Chance(0.15) ? Fmt.DateTime(date, rng.Int(8 * 12, 16 * 12) * 5) : Fmt.Date(date);
                    visit.FollowUpOf = Sessions.Where(s => s.Status != "not-done" && s.Start < date && !_visits.Any(v => v.FollowUpOf == s))
                        .Where(s => _visits.Count == 0 || s.Start > _visits[^1].Date)
                        .LastOrDefault();
                    _visits.Add(visit);
                }

                // Review visits (the fuller assessment battery): first, last, and about every six months.
                var lastReview = DateOnly.MinValue;
                for (var i = 0; i < _visits.Count; i++)
                {
                    var v = _visits[i];
                    if (i == 0 || i == _visits.Count - 1 || v.Date.DayNumber - lastReview.DayNumber >= 150)
                    {
                        v.Review = true;
                        lastReview = v.Date;
                    }
                }

                // ALSFRS-R items, and the procedures that follow from them.
                for (var i = 0; i < _visits.Count; i++)
                {
                    var v = _visits[i];
                    var months = Months(v.Date);
                    var noise = i == 0 ? 0 : rng.Weighted((-1, 0.2), (0, 0.6), (1, 0.2));
                    var total = Math.Clamp((int)Math.Round(_startTotal - (_ratePerMonth * months) + noise, MidpointRounding.AwayFromZero), 0, 48);
                    var loss = 48 - total;
                    var items = Enumerable.Repeat(4, 12).ToArray();
                    for (var k = 0; k < loss; k++)
                    {
                        items[_lossOrder[k]]--;
                    }

                    v.Items = items;
                }

                for (var i = 0; i < _visits.Count - 1; i++)
                {
                    var v = _visits[i];
                    var gap = _visits[i + 1].Date.DayNumber - v.Date.DayNumber;
                    if (_gastrostomy is null && v.Items[2] <= 1)
                    {
                        _gastrostomy = Weekday(v.Date.AddDays(rng.Int(7, Math.Max(8, Math.Min(25, gap - 5)))));
                        if (_gastrostomy >= _visits[i + 1].Date)
                        {
                            _gastrostomy = v.Date.AddDays(1);
                        }

                        _other.Add(new Treatment
                        {
                            Code = "GASTROSTOMY",
                            Start = _gastrostomy.Value,
                            Performer = rng.Pick(Proceduralists),
                            Note = rng.Weighted(("percutaneous endoscopic gastrostomy (PEG)", 0.6), ("radiologically inserted gastrostomy (RIG)", 0.4)),
                            Complication = rng.Chance(0.15) ? "minor stoma-site infection, treated with oral antibiotics" : null,
                        });
                    }
                }

                for (var i = 1; i < _visits.Count; i++)
                {
                    var v = _visits[i];
                    if (_nivStart is null && v.Items[11] < 4)
                    {
                        var gap = v.Date.DayNumber - _visits[i - 1].Date.DayNumber;
                        _nivStart = v.Date.AddDays(-rng.Int(3, Math.Max(4, gap - 3)));
                        _other.Add(new Treatment
                        {
                            Code = "NIV_START",
                            Start = _nivStart.Value,
                            Performer = rng.Pick(Proceduralists),
                            Note = rng.Chance(0.5) ? "bilevel NIV, nocturnal; mask fitting done" : "bilevel NIV started after overnight oximetry",
                        });
                    }
                }
            }

            public void BuildCourses(Rng rng, bool inProgress, DateOnly dataEnd)
            {
                var end = _visits[^1].Date;
                var courses = rng.Int(1, 3);
                for (var c = 0; c < courses; c++)
                {
                    var start = Weekday(FirstVisit.AddDays(rng.Int(10, Math.Max(11, end.DayNumber - FirstVisit.DayNumber - 45))));
                    var days = rng.Int(2, 6) * 7 - 3;
                    _other.Add(new Treatment
                    {
                        Code = "NEUROREHAB",
                        Start = start,
                        EndText = Fmt.Date(start.AddDays(days)),
                        Performer = rng.Pick(Therapists),
                        Note = rng.Chance(0.35) ? rng.Pick(new[]
                        {
                            "inpatient programme: physiotherapy, occupational therapy, speech therapy",
                            "outpatient, 3 sessions per week",
                            "home programme with weekly supervision",
                        }) : null,
                    });
                }

                if (rng.Chance(0.4))
                {
                    var start = Weekday(FirstVisit.AddDays(rng.Int(20, Math.Max(21, end.DayNumber - FirstVisit.DayNumber - 30))));
                    _other.Add(new Treatment
                    {
                        Code = "NEUROMODULATION",
                        Start = start,
                        EndText = Fmt.Date(start.AddDays(11)),
                        Performer = rng.Pick(Neurologists),
                        Note = rng.Pick(new[] { "rTMS, 10 sessions, 1 Hz over the motor cortex", "rTMS, 10 sessions", "transcranial direct current stimulation, 10 sessions" }),
                    });
                }

                if (inProgress)
                {
                    var start = Weekday(dataEnd.AddDays(-rng.Int(7, 35)));
                    var rehab = rng.Chance(0.7);
                    _other.Add(new Treatment
                    {
                        Code = rehab ? "NEUROREHAB" : "NEUROMODULATION",
                        Start = start,
                        Status = "in-progress",
                        Performer = rng.Pick(rehab ? Therapists : Neurologists),
                        Note = "course ongoing at the time of export",
                    });
                }
            }

            public IEnumerable<Treatment> AllTreatments() => Sessions.Concat(_other);

            public Dictionary<string, string> PatientRow() => _patient;

            private double Months(DateOnly d) => (d.DayNumber - FirstVisit.DayNumber) / 30.4375;

            public IEnumerable<Dictionary<string, string>> AssessmentRows(Rng rng)
            {
                var bulbarFollow = _region == Region.Bulbar;
                for (var i = 0; i < _visits.Count; i++)
                {
                    var v = _visits[i];
                    var months = Months(v.Date);
                    var panel = string.Create(Fmt.Inv, $"AP-{Index + 1:0000}-{i + 1:00}");
                    var treatmentId = v.FollowUpOf?.Id;

                    Dictionary<string, string> Row(string code, string value, string? unit = null, string? bodySite = null, string? note = null, string? panelId = null)
                    {
                        var row = new Dictionary<string, string>
                        {
                            ["patient_id"] = PatientId,
                            ["code"] = code,
                            ["value"] = value,
                            ["effective"] = v.Effective,
                        };
                        Put(row, "unit", unit);
                        Put(row, "panel_id", panelId);
                        Put(row, "body_site", bodySite);
                        Put(row, "treatment_id", treatmentId);
                        Put(row, "note", note);
                        return row;
                    }

                    // ALSFRS-R: twelve items and the total, one panel.
                    for (var k = 0; k < 12; k++)
                    {
                        var note = k == 4 && _gastrostomy is { } g && v.Date > g ? "5b" : null;
                        yield return Row(string.Create(Fmt.Inv, $"ALSFRSR_{k + 1:00}"), v.Items[k].ToString(Fmt.Inv), note: note, panelId: panel);
                    }

                    yield return Row("ALSFRSR_TOTAL", v.Total.ToString(Fmt.Inv), panelId: panel);

                    // Spirometry every visit.
                    var fvc = _fvc0 * Math.Pow(1 - _fvcDecline3m, months / 3) * (1 + rng.Range(-0.015, 0.015));
                    var fvcNote = rng.Chance(0.03) ? "poor mouth seal, best of 3 attempts" : null;
                    yield return rng.Chance(0.1)
                        ? Row("FVC", Fmt.Num(fvc * 1000, 0), "ml", note: fvcNote)
                        : Row("FVC", Fmt.Num(fvc, 2), "L", note: fvcNote);
                    yield return Row("FVC_PCT", Fmt.Num(_fvcPct0 * fvc / _fvc0, 0), "%");

                    // Weight every visit; stabilises after a gastrostomy.
                    var lossMonths = _gastrostomy is { } gs && v.Date > gs ? Months(gs) + ((months - Months(gs)) * 0.2) : months;
                    var weight = _weight0 - (_weightLossPerMonth * lossMonths) + rng.Range(-0.6, 0.6);
                    var amended = rng.Chance(0.01);
                    var weightRow = rng.Chance(0.05)
                        ? Row("WEIGHT", Fmt.Num(weight * 2.20462, 1), "lb")
                        : Row("WEIGHT", Fmt.Num(weight, 1), "kg");
                    if (amended)
                    {
                        weightRow["status"] = "amended";
                        weightRow["note"] = "corrected after scale recalibration";
                    }

                    yield return weightRow;

                    var items = v.Items;
                    var respLoss = 12 - items[9] - items[10] - items[11];

                    if (_nivStart is { } niv && v.Date > niv)
                    {
                        var hours = items[11] switch
                        {
                            >= 3 => rng.Range(3, 7.5),
                            2 => rng.Range(8, 12),
                            1 => rng.Range(13, 20),
                            _ => rng.Range(21, 24),
                        };
                        yield return Row("NIV_HOURS", Fmt.Num(hours, 1), "h/d");
                    }

                    if (v.Review || bulbarFollow)
                    {
                        var fois = items[2] switch
                        {
                            4 => 7,
                            3 => rng.Int(5, 6),
                            2 => rng.Int(4, 5),
                            1 => rng.Int(2, 3),
                            _ => 1,
                        };
                        yield return Row("FOIS", fois.ToString(Fmt.Inv));
                        var speech = items[0] switch
                        {
                            4 => rng.Range(95, 100),
                            3 => rng.Range(80, 94),
                            2 => rng.Range(50, 79),
                            1 => rng.Range(15, 49),
                            _ => rng.Range(0, 10),
                        };
                        yield return Row("SPEECH_INTELLIGIBILITY", Fmt.Num(speech, 0), "%");
                        yield return Row("FEEDS_INDEPENDENTLY", items[4] >= 2 ? "yes" : "no");
                    }

                    if (!v.Review)
                    {
                        continue;
                    }

                    // Grip strength follows the upper-limb items (04-06).
                    var upper = (items[3] + items[4] + items[5] + 1.0) / (_visits[0].Items[3] + _visits[0].Items[4] + _visits[0].Items[5] + 1.0);
                    foreach (var (site, g0) in new[] { ("hand-left", _gripLeft0), ("hand-right", _gripRight0) })
                    {
                        var kg = Math.Max(0, g0 * upper * rng.Range(0.93, 1.07));
                        yield return rng.Chance(0.05)
                            ? Row("GRIP", Fmt.Num(kg * 2.20462, 1), "lb", site)
                            : Row("GRIP", Fmt.Num(kg, 1), "kg", site);
                    }

                    if (_oximetry || respLoss > 0)
                    {
                        var spo2 = Math.Clamp(95.5 - (respLoss * 0.9) + rng.Range(-1.2, 1.2), 82, 99);
                        var odi = Math.Clamp(2 + (respLoss * 3.2) + rng.Range(0, 4), 0.3, 60);
                        yield return Row("SPO2_NIGHT_MEAN", Fmt.Num(spo2, 1), "%");
                        yield return Row("ODI", Fmt.Num(odi, 1), "/h");
                    }

                    if (_spastic)
                    {
                        for (var m = 0; m < _masSites.Length; m++)
                        {
                            var grade = Math.Min(5, _masStart[m] + (int)(months / 8) + (rng.Chance(0.15) ? 1 : 0));
                            yield return Row("MAS", MasScale[grade], bodySite: _masSites[m]);
                        }

                        for (var j = 0; j < _romJoints.Length; j++)
                        {
                            var deg = _romStart[j] - (months * rng.Range(0.4, 1.2));
                            yield return Row("ROM", Fmt.Num(deg, 0), "deg", _romJoints[j]);
                        }

                        yield return Row("SPASM_EPISODES", Math.Max(0, (int)Math.Round(2 + (months * 0.4) + rng.Range(-2, 3))).ToString(Fmt.Inv), "/wk");
                    }

                    if (_pain)
                    {
                        yield return Row("PAIN_NRS", Math.Clamp((int)Math.Round(3 + (months * 0.08) + rng.Range(-2, 2.5)), 0, 10).ToString(Fmt.Inv));
                        if (_opioid && months >= 3)
                        {
                            yield return Row("ANALGESIC_MME", rng.Pick(new[] { "5", "10", "15", "22.5", "30", "45", "60" }), "mg/d");
                        }
                    }

                    var lossFraction = (48.0 - v.Total) / 48.0;
                    yield return Row("HADS_A", Math.Clamp((int)Math.Round(6 + rng.Range(-4, 5) + (lossFraction * 4)), 0, 21).ToString(Fmt.Inv));
                    yield return Row("HADS_D", Math.Clamp((int)Math.Round(5 + rng.Range(-4, 5) + (lossFraction * 6)), 0, 21).ToString(Fmt.Inv));
                    yield return Row("ALSAQ40", Fmt.Num(Math.Clamp((lossFraction * 95) + rng.Range(-6, 6), 0, 100), 1));
                    yield return Row("MQOL_SIS", Math.Clamp((int)Math.Round(7.5 - (lossFraction * 4) + rng.Range(-2, 2)), 0, 10).ToString(Fmt.Inv));
                }
            }
        }
    }

    /// <summary>A small export in which each broken row breaks exactly one rule of the contract's "Bad input" section.</summary>
    internal static class BadExport
    {
        private sealed record Bad(string File, string RowId, string Column, string Rule, string Detail);

        public static void Write(string dir)
        {
            Directory.CreateDirectory(dir);
            var bad = new List<Bad>();

            var patients = new List<(Dictionary<string, string> Row, Bad? Bad)>
            {
                (P("P-0001", "MRN4410027", "Sampleton", "Arvindel", "male", "1961-04-17", "ALS", "2022-11", "spinal", "2023-05-02", "yes"), null),
                (P("P-0002", "", "Quillborne", "Belquine", "female", "1958-09", "PBP", "2023-01-15", "bulbar", "2023-06-20", "yes"), null),
                (P("P-0003", "", "Mockaday", "Evanthor", "", "1970-02-08", "ALS", "2023-03", "spinal", "2023-09-11", "no"),
                    new Bad("patients.csv", "P-0003", "sex", "missing required value", "sex is required and empty")),
                (P("P-0004", "MRN5523981", "Trundlewick", "Caskaya", "female", "1966-12-01", "PLS", "2021-06", "spinal", "2022-10-05", "yes"), null),
            };

            var treatments = new List<(Dictionary<string, string> Row, Bad? Bad)>
            {
                (T("T-00001", "P-0001", "BM_HARVEST", "2024-01-09", "", "", "", "", "", "", "S-301"), null),
                (T("T-00002", "P-0001", "SC_INTRATHECAL", "2024-01-11", "", "BM-MNC", "autologous", "1.2e8", "lumbar", "1/3", "S-102"), null),
                (T("T-00003", "P-0002", "NEUROREHAB", "2024-03-04", "2024-02-16", "", "", "", "", "", "S-203"),
                    new Bad("treatments.csv", "T-00003", "performed_end", "end before start", "performed_end 2024-02-16 is before performed_start 2024-03-04")),
                (T("T-00004", "P-0004", "NEUROREHAB", "2024-04-08", "2024-05-03", "", "", "", "", "", "S-205"), null),
                (T("T-00005", "P-0099", "SC_INTRAVENOUS", "2024-02-20", "", "BM-MNC", "autologous", "3.1e8", "", "1/2", "S-101"),
                    new Bad("treatments.csv", "T-00005", "patient_id", "unknown patient", "P-0099 is not in patients.csv")),
                (T("T-00002", "P-0001", "SC_INTRATHECAL", "2024-01-11", "", "BM-MNC", "autologous", "1.5e8", "lumbar", "1/3", "S-102"),
                    new Bad("treatments.csv", "T-00002", "treatment_id", "duplicate id with different content in one file", "T-00002 repeats an earlier row with cell_count 1.5e8 instead of 1.2e8")),
            };

            var assessments = new List<(Dictionary<string, string> Row, Bad? Bad)>
            {
                (A("A-000001", "P-0001", "ALSFRSR_TOTAL", "38", "", "2024-01-09"), null),
                (A("A-000002", "P-0001", "FVC", "3.12", "L", "2024-01-09"), null),
                (A("A-000003", "P-0001", "FVC_PCT", "84", "%", "2024-01-09"), null),
                (A("A-000004", "P-0001", "ALSFRS_TOTAL", "37", "", "2024-02-19"),
                    new Bad("assessments.csv", "A-000004", "code", "unknown code", "ALSFRS_TOTAL is not a measure code (ALSFRSR_TOTAL is)")),
                (A("A-000005", "P-0002", "WEIGHT", "61.4", "kg", "2024-03-01T10:15:00+08:00"), null),
                (A("A-000006", "P-0002", "PAIN_NRS", "12", "", "2024-03-01"),
                    new Bad("assessments.csv", "A-000006", "value", "value out of range", "PAIN_NRS is 0-10")),
                (A("A-000007", "P-0002", "WEIGHT", "61.0", "L", "2024-06-03"),
                    new Bad("assessments.csv", "A-000007", "unit", "unit that does not fit", "WEIGHT takes kg or lb, not L")),
                (A("A-000008", "P-0004", "GRIP", "18.5", "kg", "2024-04-08", bodySite: "hand-right"), null),
                (A("A-000009", "P-0004", "FVC", "2890", "ml", "2024-02-30"),
                    new Bad("assessments.csv", "A-000009", "effective", "bad date", "2024-02-30 is not a calendar date")),
            };

            var lines = new List<string>();
            foreach (var (file, columns, rows) in new[]
            {
                ("patients.csv", Columns.Patients, patients),
                ("treatments.csv", Columns.Treatments, treatments),
                ("assessments.csv", Columns.Assessments, assessments),
            })
            {
                Csv.Write(Path.Combine(dir, file), columns, rows.Select(r => r.Row));
                for (var i = 0; i < rows.Count; i++)
                {
                    if (rows[i].Bad is { } b)
                    {
                        // Line 1 is the header; data rows start at line 2.
                        lines.Add(string.Create(Fmt.Inv, $"| {b.File} | {i + 2} | {b.RowId} | `{b.Column}` | {b.Rule} | {b.Detail} |"));
                    }
                }
            }

            var good = patients.Concat(treatments).Concat(assessments).Count(r => r.Bad is null);
            var readme = new StringBuilder();
            readme.Append("# Bad clinic export (generated test input)\n\n");
            readme.Append("Synthetic, invented data. Written by `samples/generate-samples.cs` together with `samples/clinic-export/`.\n");
            readme.Append(string.Create(Fmt.Inv, $"It has {good} good rows and {lines.Count} broken rows; each broken row breaks exactly one rule of the\n"));
            readme.Append("\"Bad input\" section of `docs/clinic-export-format.md`. An importer must reject each broken row with a message that\n");
            readme.Append("names the file, line, column and rule, keep it in quarantine, and still import every good row.\n");
            readme.Append("Line numbers count the header as line 1.\n\n");
            readme.Append("| file | line | row id | column | rule | detail |\n|---|---|---|---|---|---|\n");
            foreach (var line in lines)
            {
                readme.Append(line).Append('\n');
            }

            readme.Append("\nNotes:\n");
            readme.Append("- The duplicate `T-00002` (treatments.csv) first appears at line 3 with `cell_count` `1.2e8`; the later row differs only in `cell_count`.\n");
            readme.Append("  Which of the two lines an importer quarantines is its choice; the listed line is the second occurrence.\n");
            readme.Append("- P-0003 (patients.csv) is rejected; no other row refers to it, so nothing else depends on a rejected row.\n");
            readme.Append("- Expected import: patients P-0001, P-0002, P-0004; treatments T-00001, T-00004, and T-00002 as at line 3 unless the\n");
            readme.Append("  importer quarantines both occurrences of a duplicate id;\n");
            readme.Append("  assessments A-000001, A-000002, A-000003, A-000005, A-000008.\n");
            File.WriteAllText(Path.Combine(dir, "README.md"), readme.ToString(), new UTF8Encoding(false));
        }

        private static Dictionary<string, string> P(string id, string mrn, string family, string given, string sex, string birth, string diagnosis,
            string onset, string region, string diagnosed, string consent) => new()
        {
            ["patient_id"] = id, ["hospital_mrn"] = mrn, ["family_name"] = family, ["given_name"] = given, ["sex"] = sex,
            ["birth_date"] = birth, ["diagnosis"] = diagnosis, ["onset_date"] = onset, ["onset_region"] = region,
            ["diagnosis_date"] = diagnosed, ["registry_consent"] = consent,
        };

        private static Dictionary<string, string> T(string id, string patient, string code, string start, string end, string cellType,
            string cellSource, string cellCount, string site, string cycle, string performer) => new()
        {
            ["treatment_id"] = id, ["patient_id"] = patient, ["code"] = code, ["status"] = "completed", ["performed_start"] = start,
            ["performed_end"] = end, ["cell_type"] = cellType, ["cell_source"] = cellSource, ["cell_count"] = cellCount,
            ["body_site"] = site, ["cycle"] = cycle, ["performer"] = performer,
        };

        private static Dictionary<string, string> A(string id, string patient, string code, string value, string unit, string effective,
            string? bodySite = null, string? treatment = null) => new()
        {
            ["assessment_id"] = id, ["patient_id"] = patient, ["code"] = code, ["value"] = value, ["unit"] = unit,
            ["effective"] = effective, ["body_site"] = bodySite ?? string.Empty, ["treatment_id"] = treatment ?? string.Empty,
        };
    }

    internal static class Summary
    {
        public static void Print(TextWriter w, Options options, Export export)
        {
            w.WriteLine(string.Create(Fmt.Inv, $"clean export -> {options.Out} (seed {options.Seed})"));
            w.WriteLine(string.Create(Fmt.Inv, $"  patients.csv     {export.Patients.Count,6} rows"));
            w.WriteLine(string.Create(Fmt.Inv, $"  treatments.csv   {export.Treatments.Count,6} rows"));
            w.WriteLine(string.Create(Fmt.Inv, $"  assessments.csv  {export.Assessments.Count,6} rows"));
            Group(w, "patients by diagnosis", export.Patients, "diagnosis");
            Group(w, "treatments by code", export.Treatments, "code");
            Group(w, "treatments by status", export.Treatments, "status");
            Group(w, "assessments by code", export.Assessments, "code");
            w.WriteLine(string.Create(Fmt.Inv, $"bad export   -> {options.BadOut} (see its README.md)"));
        }

        private static void Group(TextWriter w, string title, List<Dictionary<string, string>> rows, string column)
        {
            w.WriteLine(title + ":");
            foreach (var g in rows.GroupBy(r => r.TryGetValue(column, out var v) ? v : "(empty)").OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                w.WriteLine(string.Create(Fmt.Inv, $"  {g.Key,-24}{g.Count(),6}"));
            }
        }
    }
}
