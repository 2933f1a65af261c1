using Ledger.App.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Web.Pages;

/// <summary>The sign-in journal: the patient's sign-ins, refused steps, lock-outs and sign-outs, newest first, 50 a page.</summary>
public sealed class SignInsModel(SignInJournalQueries journal) : CabinetPageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<SignInEntry> Rows { get; private set; } = [];

    public int Number { get; private set; } = 1;

    public long Total { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        if (PageNumber() is not { } number)
        {
            return BadPageNumber();
        }

        Number = number;

        var answer = await journal.PageAsync(me.Value, Number, PageSize, cancellationToken);
        Rows = answer.Items;
        Total = answer.Total;
        return Page();
    }

    /// <summary>What came of the attempt, in words.</summary>
    public static string Outcome(SignInEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Outcome switch
        {
            "signedIn" => entry.Method switch
            {
                "recoveryCode" => "Вход по коду восстановления",
                "totpEnrolment" => "Вход с подключением аутентификатора",
                _ => "Вход",
            },
            "failed" => entry.Reason switch
            {
                "password" => "Отказ: неверный пароль",
                "secondFactor" => "Отказ: неверный одноразовый код",
                "replayedCode" => "Отказ: код уже использован",
                "recoveryCode" => "Отказ: неверный код восстановления",
                "locked" => "Отказ: вход заблокирован",
                _ => "Отказ",
            },
            "locked" => entry.LockedUntil is { } until ? $"Вход заблокирован до {Labels.DateTime(until)}" : "Вход заблокирован",
            "signedOut" => "Выход",
            _ => entry.Outcome,
        };
    }
}
