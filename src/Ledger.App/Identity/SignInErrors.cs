using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Ledger.App.Identity;

/// <summary>
/// The codes a refused browser form post carries back to its page (<c>?error=</c>): the page shows them in words. A code
/// never says which credential was wrong: <see cref="Refused"/> stands for a wrong password, an unknown login, a wrong
/// or used code and a locked account alike.
/// </summary>
public static class SignInErrors
{
    public const string Refused = "refused";
    public const string Missing = "missing";
    public const string Expired = "expired";
    public const string Form = "form";

    /// <summary>Not an error: the sign-in page after a sign-out (<c>?done=signed-out</c>).</summary>
    public const string SignedOut = "signed-out";

    /// <summary>The Russian text of an error code, or null for a code the pages do not know.</summary>
    public static string? Message(string? code) => code switch
    {
        Refused => "Неверный логин, пароль или код, либо вход временно заблокирован после нескольких неудачных попыток.",
        Missing => "Заполните все поля формы.",
        Expired => "Вход не был начат или занял слишком много времени. Войдите с паролем ещё раз.",
        Form => "Форма устарела. Обновите страницу и отправьте её ещё раз.",
        _ => null,
    };
}

/// <summary>
/// Hands the recovery codes of a confirmed authenticator from the confirm endpoint to the page that shows them once:
/// through ASP.NET's TempData cookie, which data protection encrypts and which the page's read removes. The codes never
/// appear in an address or a log.
/// </summary>
public static class RecoveryCodesHandOver
{
    private const string Key = "ledger.recovery-codes";

    public static void Put(HttpContext http, IReadOnlyList<string> codes)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(codes);
        var tempData = http.RequestServices.GetRequiredService<ITempDataDictionaryFactory>().GetTempData(http);
        tempData[Key] = string.Join(' ', codes);
        tempData.Save();
    }

    /// <summary>The codes handed over, read once (the TempData entry is gone afterwards); empty when there are none.</summary>
    public static IReadOnlyList<string> Take(ITempDataDictionary tempData)
    {
        ArgumentNullException.ThrowIfNull(tempData);
        return tempData[Key] is string joined ? joined.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
    }
}
