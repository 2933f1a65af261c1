using System.Globalization;

namespace Ledger.App.Http;

/// <summary>
/// The <c>page</c> (from 1) and <c>pageSize</c> (1 to 200, default 50) query parameters of the journals' list
/// endpoints, or the problem that names the one at fault.
/// </summary>
public static class PageQuery
{
    public const int DefaultSize = 50;

    public const int MaxSize = 200;

    public static IResult? TryRead(HttpRequest request, out int page, out int size)
    {
        ArgumentNullException.ThrowIfNull(request);
        page = 1;
        size = DefaultSize;
        if (request.Query["page"].ToString() is { Length: > 0 } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            return ProblemTypes.Invalid("page", "a positive number");
        }

        if (request.Query["pageSize"].ToString() is { Length: > 0 } s && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxSize))
        {
            return ProblemTypes.Invalid("pageSize", $"1 to {MaxSize}");
        }

        return null;
    }
}
