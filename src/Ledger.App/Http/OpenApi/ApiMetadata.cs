namespace Ledger.App.Http.OpenApi;

/// <summary>Where a documented parameter is read from.</summary>
public enum ApiParameterSource
{
    Query,
    Header,
}

/// <summary>
/// A parameter an endpoint reads itself (from the query string or a header) rather than by binding, so that the
/// OpenAPI document lists it: name, meaning, JSON type and, for a closed list, its values.
/// </summary>
public sealed record ApiParameter(
    string Name,
    string Description,
    ApiParameterSource Source = ApiParameterSource.Query,
    string Type = "string",
    string? Format = null,
    IReadOnlyList<string>? Values = null,
    string? Example = null,
    bool Required = false,
    int? Minimum = null,
    int? Maximum = null);

/// <summary>Problem responses (<c>application/problem+json</c>) an endpoint answers besides those every endpoint may answer.</summary>
public sealed record ApiProblems(IReadOnlyList<int> Statuses);

/// <summary>A response whose body is one of the document's own components (a protocol's format, not a .NET type).</summary>
public sealed record ApiComponentResponse(int Status, string Description, string Component, IReadOnlyList<string> ContentTypes);

/// <summary>A response header an endpoint sets (<c>ETag</c>, <c>Location</c>).</summary>
public sealed record ApiResponseHeader(int Status, string Name, string Description);

/// <summary>The endpoint conventions that describe the API in its OpenAPI document.</summary>
public static class ApiMetadata
{
    public static readonly ApiParameter IfMatch = new(
        "If-Match", "The stream version the change is decided on, quoted (\"3\"); a newer version answers 412. Without it a concurrent change is retried.", ApiParameterSource.Header, Example: "\"3\"");

    public static readonly ApiParameter IdempotencyKey = new(
        "Idempotency-Key", "Any text (a uuid is used as is): a repeat of the request with the same key writes nothing and answers 200 with the same record.", ApiParameterSource.Header,
        Example: "0b8f3c1e-2a4d-4f6b-9c1d-7e5a3b2c1d0e");

    public static readonly ApiParameter IfNoneMatch = new(
        "If-None-Match", "An ETag from an earlier answer: while it still names the resource's version, the answer is 304 with no body.", ApiParameterSource.Header, Example: "\"3\"");

    /// <summary>Documents a conditional single-resource read: its <c>ETag</c>, <c>If-None-Match</c>, and 304.</summary>
    public static TBuilder Conditional<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ETag().Parameters(IfNoneMatch).WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
    }

    /// <summary>Documents parameters the endpoint reads itself.</summary>
    public static TBuilder Parameters<TBuilder>(this TBuilder builder, params IEnumerable<ApiParameter> parameters)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var parameter in parameters)
        {
            builder.WithMetadata(parameter);
        }

        return builder;
    }

    /// <summary>Documents the problem statuses the endpoint answers (400, 401, 403 and 500 are added where they apply).</summary>
    public static TBuilder Problems<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new ApiProblems(statuses));
    }

    /// <summary>Documents a response whose body is a component of the document.</summary>
    public static TBuilder AnswersWith<TBuilder>(this TBuilder builder, int status, string description, string component, params string[] contentTypes)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new ApiComponentResponse(status, description, component, contentTypes));
    }

    /// <summary>Documents a response header.</summary>
    public static TBuilder Header<TBuilder>(this TBuilder builder, int status, string name, string description)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new ApiResponseHeader(status, name, description));
    }

    /// <summary>Documents the <c>ETag</c> of a response about one stream.</summary>
    public static TBuilder ETag<TBuilder>(this TBuilder builder, int status = StatusCodes.Status200OK)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Header(status, "ETag", "The stream's version after the request, quoted (\"3\"); send it back as If-Match.");
}
