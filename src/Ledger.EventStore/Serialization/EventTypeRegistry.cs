using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Ledger.EventStore.Serialization;

/// <summary>
/// Maps event classes to stable stored names (<c>feature.event_name.v1</c>) and back, and turns events stored
/// under an old name or shape into the current class through upcasters. Renaming a class never changes what
/// is in the database; changing a shape means a new stored name and an upcaster from the old one.
/// </summary>
public sealed partial class EventTypeRegistry
{
    private readonly Dictionary<Type, string> namesByType = [];
    private readonly Dictionary<string, Type> typesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string To, Func<JsonObject, JsonObject> Transform)> upcasters = new(StringComparer.Ordinal);

    public EventTypeRegistry(JsonSerializerOptions? options = null)
    {
        // Properties are written in jsonb's key order (shorter names first, then by bytes), so the canonical
        // rendering the store hashes rarely has to reorder anything. Reading is unaffected.
        var copy = new JsonSerializerOptions(options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web));
        copy.TypeInfoResolver = (copy.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(InJsonbKeyOrder);
        copy.MakeReadOnly();
        Options = copy;
    }

    /// <summary>The serializer settings used for every payload.</summary>
    public JsonSerializerOptions Options { get; }

    /// <summary>Every registered (type, stored name) pair.</summary>
    public IReadOnlyDictionary<Type, string> Registered => namesByType;

    public EventTypeRegistry Register<T>(string storedName) => Register(typeof(T), storedName);

    public EventTypeRegistry Register(Type type, string storedName)
    {
        ArgumentNullException.ThrowIfNull(type);
        ValidateName(storedName);
        if (namesByType.TryGetValue(type, out var existing) && existing != storedName)
        {
            throw new InvalidOperationException($"{type.Name} is already registered as '{existing}'");
        }

        if (typesByName.TryGetValue(storedName, out var other) && other != type)
        {
            throw new InvalidOperationException($"stored name '{storedName}' is already used by {other.Name}");
        }

        namesByType[type] = storedName;
        typesByName[storedName] = type;
        return this;
    }

    /// <summary>
    /// Reads events stored as <paramref name="fromName"/> by transforming their JSON and treating them as
    /// <paramref name="toName"/> (which may itself be upcast further).
    /// </summary>
    public EventTypeRegistry Upcast(string fromName, string toName, Func<JsonObject, JsonObject> transform)
    {
        ValidateName(fromName);
        ValidateName(toName);
        ArgumentNullException.ThrowIfNull(transform);
        if (typesByName.ContainsKey(fromName))
        {
            throw new InvalidOperationException($"'{fromName}' is a current stored name; only retired names can be upcast");
        }

        upcasters[fromName] = (toName, transform);
        return this;
    }

    /// <summary>The stored name of an event's class.</summary>
    public string NameOf(Type type) =>
        namesByType.TryGetValue(type, out var name)
            ? name
            : throw new UnknownEventTypeException($"{type.FullName} is not registered with a stored name");

    /// <summary>Serializes an event to UTF-8 JSON and returns its stored name.</summary>
    public (string StoredName, byte[] Json) Serialize(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var type = @event.GetType();
        return (NameOf(type), JsonSerializer.SerializeToUtf8Bytes(@event, type, Options));
    }

    /// <summary>Reads a stored event as its current class, applying upcasters when the name is retired.</summary>
    public object Deserialize(string storedName, string json)
    {
        ArgumentNullException.ThrowIfNull(storedName);
        if (typesByName.TryGetValue(storedName, out var type))
        {
            return JsonSerializer.Deserialize(json, type, Options)
                ?? throw new JsonException($"event '{storedName}' has a null payload");
        }

        var name = storedName;
        var node = JsonNode.Parse(json) as JsonObject ?? throw new JsonException($"event '{storedName}' payload is not a JSON object");
        for (var hops = 0; hops < 64 && !typesByName.ContainsKey(name); hops++)
        {
            if (!upcasters.TryGetValue(name, out var step))
            {
                throw new UnknownEventTypeException($"no class or upcaster is registered for stored event type '{name}'");
            }

            node = step.Transform(node);
            name = step.To;
        }

        return node.Deserialize(typesByName.TryGetValue(name, out var target) ? target : throw new UnknownEventTypeException($"upcasters of '{storedName}' form a cycle"), Options)
            ?? throw new JsonException($"event '{storedName}' has a null payload");
    }

    private static void InJsonbKeyOrder(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        var ordered = typeInfo.Properties
            .OrderBy(p => Encoding.UTF8.GetByteCount(p.Name))
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            ordered[i].Order = i;
        }
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || !StoredName().IsMatch(name))
        {
            throw new ArgumentException($"stored event name '{name}' must look like 'feature.event_name.v1' (lower case, dots, ending in a version)", nameof(name));
        }
    }

    [GeneratedRegex(@"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.v[1-9][0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex StoredName();
}

/// <summary>An event class or stored name the registry does not know.</summary>
public sealed class UnknownEventTypeException(string message) : Exception(message);
