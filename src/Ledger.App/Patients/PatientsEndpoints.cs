using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.EventStore;
using NodaTime;

namespace Ledger.App.Patients;

/// <summary><c>/api/v1/patients</c>: registration, the own profile, thresholds, contacts and delivery preferences.</summary>
public static class PatientsEndpoints
{
    public static void MapPatients(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/patients").WithTags("Patients");
        group.MapPost("/", RegisterAsync).RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Support))
            .WithName("registerPatient").WithSummary("Register a patient's cabinet")
            .Produces<RegisteredPatient>(StatusCodes.Status201Created).Produces<RegisteredPatient>().Header(StatusCodes.Status201Created, "Location", "The new patient's address.")
            .ETag(StatusCodes.Status201Created).ETag().Parameters(ApiMetadata.IdempotencyKey).Problems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        var me = group.MapGroup("/me").RequireAuthorization(p => p.RequireRole(Roles.Patient));
        me.MapGet("/", ProfileAsync)
            .WithName("getOwnProfile").WithSummary("The caller's own profile").Produces<PatientProfile>().Conditional().Problems(StatusCodes.Status404NotFound);
        me.MapPut("/thresholds/{loinc}", SetThresholdAsync)
            .WithName("setThreshold").WithSummary("Set the caller's own reference range for an analyte").Produces<CommandOutcome>().ETag()
            .Parameters(ApiMetadata.IfMatch, ApiMetadata.IdempotencyKey).Problems(StatusCodes.Status404NotFound, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity);
        me.MapDelete("/thresholds/{loinc}", RemoveThresholdAsync)
            .WithName("removeThreshold").WithSummary("Remove the caller's own reference range for an analyte").Produces<CommandOutcome>().ETag()
            .Parameters(ApiMetadata.IfMatch, ApiMetadata.IdempotencyKey).Problems(StatusCodes.Status404NotFound, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity);
        me.MapPut("/delivery-preferences", SetPreferencesAsync)
            .WithName("setDeliveryPreferences").WithSummary("Choose which results are announced, how and how often").Produces<CommandOutcome>().ETag()
            .Parameters(ApiMetadata.IfMatch, ApiMetadata.IdempotencyKey).Problems(StatusCodes.Status404NotFound, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity);
        me.MapPut("/contacts", ChangeContactsAsync)
            .WithName("changeContacts").WithSummary("Change the caller's e-mail address and phone number").Produces<CommandOutcome>().ETag()
            .Parameters(ApiMetadata.IfMatch, ApiMetadata.IdempotencyKey).Problems(StatusCodes.Status404NotFound, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<IResult> RegisterAsync(RegisterPatientRequest body, HttpContext http, CommandExecutor executor, EventStore.EventStore store, IClock clock, CancellationToken ct)
    {
        if (body is null)
        {
            return ProblemTypes.Invalid("body", "a JSON body is required");
        }

        var today = clock.GetCurrentInstant().InUtc().Date;
        if (!FullName.TryCreate(body.Surname, body.GivenName, body.Patronymic, out var name, out var reason))
        {
            var field = reason.Contains("given", StringComparison.Ordinal) ? "givenName" : reason.Contains("patronymic", StringComparison.Ordinal) ? "patronymic" : "surname";
            return ProblemTypes.Invalid(field, reason);
        }

        if (!BirthDate.TryParse(body.BirthDate, today, out var birthDate, out reason))
        {
            return ProblemTypes.Invalid("birthDate", reason);
        }

        if (body.Sex is not ("male" or "female" or "unknown") || !Enum.TryParse<Sex>(body.Sex, ignoreCase: true, out var sex))
        {
            return ProblemTypes.Invalid("sex", "one of male, female, unknown");
        }

        if (!Snils.TryParse(body.Snils, out var snils, out reason))
        {
            return ProblemTypes.Invalid("snils", reason);
        }

        Enp? enp = null;
        if (!string.IsNullOrWhiteSpace(body.Enp) && !Enp.TryParse(body.Enp, out enp, out reason))
        {
            return ProblemTypes.Invalid("enp", reason);
        }

        Email? email = null;
        if (!string.IsNullOrWhiteSpace(body.Email) && !Email.TryParse(body.Email, out email, out reason))
        {
            return ProblemTypes.Invalid("email", reason);
        }

        PhoneNumber? phone = null;
        if (!string.IsNullOrWhiteSpace(body.Phone) && !PhoneNumber.TryParse(body.Phone, out phone, out reason))
        {
            return ProblemTypes.Invalid("phone", reason);
        }

        var key = PatientHttp.IdempotencyKey(http.Request, "patients.register");
        var commandId = key ?? Guid.CreateVersion7();

        // With an idempotency key the new patient's id derives from it, so a repeat addresses the same stream.
        var patientId = new PatientId(key is { } k ? StreamIds.Derived("patient-registration", k) : Guid.CreateVersion7());
        if (key is not null)
        {
            var first = await store.ReadStreamAsync(patientId.Value, 1, ReadDirection.Forward, 1, ct);
            if (first.Count == 1 && first[0].EventId == CommandExecutor.EventIdFor(commandId, 0))
            {
                var info = await store.GetStreamAsync(patientId.Value, ct);
                PatientHttp.SetETag(http.Response, info!.Version);
                return TypedResults.Ok(new RegisteredPatient(patientId.Value, info.Version));
            }
        }

        var outcome = await executor.ExecuteAsync(
            Deciders.Patient,
            StreamIds.Patient(patientId),
            new RegisterPatient(patientId, name, birthDate, sex, snils, enp, email, phone),
            new CommandContext(commandId, PatientHttp.Metadata(http.User, commandId), patientId.Value, ExpectedVersion.NoStream),
            ct);
        PatientHttp.SetETag(http.Response, outcome.Version);
        return TypedResults.Created($"/api/v1/patients/{patientId.Value:D}", new RegisteredPatient(patientId.Value, outcome.Version));
    }

    private static async Task<IResult> ProfileAsync(HttpContext http, EventStore.EventStore store, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        var (state, version) = await store.AggregateAsync(Deciders.Patient, StreamIds.Patient(me), cancellationToken: ct);
        if (!state.Registered)
        {
            return PatientHttp.NotFound("no cabinet is registered for this patient");
        }

        if (PatientHttp.NotModified(http, version))
        {
            return PatientHttp.NotModifiedResult();
        }

        return TypedResults.Ok(new PatientProfile(
            me.Value,
            state.Name!,
            state.BirthDate!.Value.ToString(),
            state.Sex,
            state.Snils!.ToString(),
            state.Enp?.ToString(),
            state.Email?.ToString(),
            state.Phone?.ToString(),
            state.LinkedOrganizations.Select(o => o.Value).Order().ToList(),
            state.Preferences,
            state.Thresholds.Values.OrderBy(t => t.Code.Value, StringComparer.Ordinal).Select(t => new ThresholdView(t.Code.Value, t.Unit.ToString(), t.Low, t.High)).ToList(),
            version));
    }

    private static Task<IResult> SetThresholdAsync(string loinc, ThresholdRequest body, HttpContext http, CommandExecutor executor, CancellationToken ct)
    {
        if (!LoincCode.TryParse(loinc, out var code, out var reason))
        {
            return Task.FromResult<IResult>(ProblemTypes.Invalid("loinc", reason));
        }

        if (body is null || !UcumUnit.TryParse(body.Unit, out var unit, out reason))
        {
            return Task.FromResult<IResult>(ProblemTypes.Invalid("unit", body is null ? "a JSON body is required" : reason));
        }

        return ExecuteAsync(http, executor, me => new SetAnalyteThreshold(me, code, unit, body.Low, body.High), ct);
    }

    private static Task<IResult> RemoveThresholdAsync(string loinc, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
        LoincCode.TryParse(loinc, out var code, out var reason)
            ? ExecuteAsync(http, executor, me => new RemoveAnalyteThreshold(me, code), ct)
            : Task.FromResult<IResult>(ProblemTypes.Invalid("loinc", reason));

    private static Task<IResult> SetPreferencesAsync(DeliveryPreferencesRequest body, HttpContext http, CommandExecutor executor, CancellationToken ct)
    {
        if (body?.ResultTypes is null)
        {
            return Task.FromResult<IResult>(ProblemTypes.Invalid("resultTypes", "required (a list, may be empty)"));
        }

        if (body.Channels is null)
        {
            return Task.FromResult<IResult>(ProblemTypes.Invalid("channels", "required (a list, may be empty)"));
        }

        if (body.Frequency is not { } frequency)
        {
            return Task.FromResult<IResult>(ProblemTypes.Invalid("frequency", "one of immediate, daily, weekly"));
        }

        return ExecuteAsync(http, executor, me => new SetDeliveryPreferences(me, [.. body.ResultTypes.Distinct()], [.. body.Channels.Distinct()], frequency), ct);
    }

    private static Task<IResult> ChangeContactsAsync(ContactsRequest body, HttpContext http, CommandExecutor executor, CancellationToken ct)
    {
        Email? email = null;
        PhoneNumber? phone = null;
        var reason = string.Empty;
        if (body is null)
        {
            return Task.FromResult<IResult>(ProblemTypes.Invalid("body", "a JSON body is required"));
        }

        if (!string.IsNullOrWhiteSpace(body.Email) && !Email.TryParse(body.Email, out email, out reason))
        {
            return Task.FromResult<IResult>(ProblemTypes.Invalid("email", reason));
        }

        if (!string.IsNullOrWhiteSpace(body.Phone) && !PhoneNumber.TryParse(body.Phone, out phone, out reason))
        {
            return Task.FromResult<IResult>(ProblemTypes.Invalid("phone", reason));
        }

        return ExecuteAsync(http, executor, me => new ChangeContacts(me, email, phone), ct);
    }

    /// <summary>Runs a command on the caller's own patient stream, honouring If-Match and answering with the new ETag.</summary>
    private static async Task<IResult> ExecuteAsync(HttpContext http, CommandExecutor executor, Func<PatientId, PatientCommand> command, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (!PatientHttp.TryIfMatch(http.Request, out var expected))
        {
            return PatientHttp.BadIfMatch();
        }

        var commandId = PatientHttp.IdempotencyKey(http.Request, "patients.me." + http.Request.Path) ?? Guid.CreateVersion7();
        try
        {
            var outcome = await executor.ExecuteAsync(
                Deciders.Patient,
                StreamIds.Patient(me),
                command(me),
                new CommandContext(commandId, PatientHttp.Metadata(http.User, commandId), me.Value, expected),
                ct);
            PatientHttp.SetETag(http.Response, outcome.Version);
            return TypedResults.Ok(new CommandOutcome(outcome.Version, outcome.Events.Count > 0));
        }
        catch (WrongExpectedVersionException e) when (expected is not null)
        {
            return PatientHttp.Stale(e);
        }
        catch (DomainRejection r) when (r.Code == "patient.not_registered")
        {
            return PatientHttp.NotFound("no cabinet is registered for this patient");
        }
    }
}
