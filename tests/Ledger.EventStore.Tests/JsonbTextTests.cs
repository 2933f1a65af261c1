using System.Globalization;
using System.Text;
using Ledger.EventStore.Hashing;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests;

public sealed class JsonbTextTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Theory]
    [InlineData("{\"b\":1,\"a\":2}", "{\"a\": 2, \"b\": 1}")]
    [InlineData("{\"bb\":1,\"a\":2,\"c\":[1,2,{}]}", "{\"a\": 2, \"c\": [1, 2, {}], \"bb\": 1}")]
    [InlineData("{\"a\":1,\"a\":2}", "{\"a\": 2}")]
    [InlineData("[1.50,-0,0.0,1e2,1.5E-3,-2.50e1]", "[1.50, 0, 0.0, 100, 0.0015, -25.0]")]
    [InlineData("\"\\u00e9\\n\\u0001\\/\"", "\"é\\n\\u0001/\"")]
    public void Renders_as_postgresql_prints_jsonb(string input, string expected)
    {
        Assert.Equal(expected, JsonbText.Render(input));
    }

    [Fact]
    public async Task Random_documents_render_exactly_as_postgresql_prints_them()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var random = new Random(20261121);
        var documents = Enumerable.Range(0, 400).Select(_ => RandomValue(random, 0)).ToList();

        await using var command = dataSource.CreateCommand("SELECT d::jsonb::text FROM unnest(@docs) AS d");
        command.Parameters.AddWithValue("docs", documents.ToArray());
        var printed = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                printed.Add(reader.GetString(0));
            }
        }

        Assert.Equal(documents.Count, printed.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            Assert.Equal(printed[i], JsonbText.Render(documents[i]));
        }
    }

    private static string RandomValue(Random random, int depth)
    {
        var kind = depth > 3 ? random.Next(4) : random.Next(7);
        return kind switch
        {
            0 => RandomString(random),
            1 => RandomNumber(random),
            2 => random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" },
            3 => RandomNumber(random),
            4 or 5 => "{" + string.Join(",", Enumerable.Range(0, random.Next(5)).Select(_ => RandomString(random) + ":" + RandomValue(random, depth + 1))) + "}",
            _ => "[" + string.Join(",", Enumerable.Range(0, random.Next(5)).Select(_ => RandomValue(random, depth + 1))) + "]",
        };
    }

    private static string RandomNumber(Random random)
    {
        var sign = random.Next(4) == 0 ? "-" : string.Empty;
        var integer = random.Next(3) == 0 ? "0" : random.NextInt64(1, 10_000_000).ToString(CultureInfo.InvariantCulture);
        var fraction = random.Next(2) == 0 ? string.Empty : "." + new string(Enumerable.Range(0, random.Next(1, 6)).Select(_ => (char)('0' + random.Next(10))).ToArray());
        var exponent = random.Next(5) == 0 ? (random.Next(2) == 0 ? "e" : "E") + (random.Next(2) == 0 ? "-" : "+") + random.Next(0, 6).ToString(CultureInfo.InvariantCulture) : string.Empty;
        return sign + integer + fraction + exponent;
    }

    private static string RandomString(Random random)
    {
        const string alphabet = "abcXYZ019 _-éжЖ日\"\\/\n\t\u0001\u007f😀";
        var builder = new StringBuilder("\"");
        var length = random.Next(0, 8);
        for (var i = 0; i < length; i++)
        {
            var c = alphabet[random.Next(alphabet.Length)];
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => random.Next(2) == 0 ? "\\t" : "\\u0009",
                '\u0001' => "\\u0001",
                'é' => random.Next(2) == 0 ? "é" : "\\u00e9",
                _ when char.IsSurrogate(c) => string.Empty,
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
