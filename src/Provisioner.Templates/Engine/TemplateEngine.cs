using System.Text.RegularExpressions;
using HandlebarsDotNet;
using HandlebarsDotNet.Compiler;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Templates.Context;
using Provisioner.Templates.Helpers;

namespace Provisioner.Templates.Engine;

/// <summary>
/// Renders Handlebars templates against a <see cref="TemplateContext"/>: strict (an unknown variable or helper, or a
/// field with no value, is an error), without HTML escaping (the outputs are scripts and configs; quoting is explicit
/// through helpers), bounded in output size and time, and with secrets redacted unless serving a node.
/// </summary>
public sealed partial class TemplateEngine
{
    private readonly TemplateEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private const int CacheLimit = 256;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CompiledSet> _environments = new(StringComparer.Ordinal);

    public TemplateEngine(TemplateEngineOptions? options = null, TimeProvider? timeProvider = null, ILogger<TemplateEngine>? logger = null)
    {
        _options = options ?? new TemplateEngineOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public TemplateEngineOptions Options => _options;

    /// <summary>
    /// Renders <paramref name="template"/> (with <paramref name="partials"/> available to <c>{{&gt; name}}</c>).
    /// In <see cref="RenderMode.Serve"/> mode the secrets the template references are resolved through
    /// <paramref name="secrets"/>; in <see cref="RenderMode.Preview"/> mode they render as <c>&lt;secret:name&gt;</c>.
    /// </summary>
    /// <exception cref="TemplateRenderException">Syntax error, unknown name, bad helper argument, missing secret.</exception>
    /// <exception cref="TemplateLimitException">Output or time limit exceeded.</exception>
    public async Task<RenderResult> RenderAsync(TemplateSource template, IReadOnlyList<TemplateSource> partials, TemplateContext context,
        RenderMode mode, ISecretResolver? secrets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(partials);
        ArgumentNullException.ThrowIfNull(context);
        var started = _time.GetTimestamp();
        var model = ContextProjection.Project(context);

        // Pass 1 renders with secrets redacted and records which ones the template asks for (names may come from
        // context fields, so they are only known by rendering). Serve mode then resolves them and renders again.
        var first = RenderOnce(template, partials, model, null, context.Node.Id, cancellationToken);
        var output = first.Output;
        var containsSecrets = false;
        if (mode == RenderMode.Serve && first.SecretsUsed.Count > 0)
        {
            if (secrets is null)
            {
                throw new TemplateRenderException($"Template '{template.Name}' uses secrets but no secret resolver was given.") { TemplateName = template.Name };
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in first.SecretsUsed)
            {
                values[name] = await secrets.GetAsync(name, cancellationToken).ConfigureAwait(false)
                    ?? throw new TemplateRenderException($"Template '{template.Name}' uses secret '{name}', which is not set.") { TemplateName = template.Name };
            }

            output = RenderOnce(template, partials, model, values, context.Node.Id, cancellationToken).Output;
            containsSecrets = true;
        }

        var elapsed = _time.GetElapsedTime(started);
        Log.Rendered(_logger, template.Name, template.Version, context.Node.Hostname, mode, output.Length, elapsed.TotalMilliseconds);
        return new RenderResult
        {
            Output = output,
            Pin = new TemplatePin(template.Name, template.Version,
                partials.GroupBy(p => p.PartialName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Version, StringComparer.Ordinal)),
            SecretsUsed = first.SecretsUsed,
            ContainsSecrets = containsSecrets,
            Elapsed = elapsed,
        };
    }

    private (string Output, IReadOnlyList<string> SecretsUsed) RenderOnce(TemplateSource template, IReadOnlyList<TemplateSource> partials,
        object model, IReadOnlyDictionary<string, string>? secretValues, string saltSeed, CancellationToken cancellationToken)
    {
        var state = new RenderState(secretValues, saltSeed);
        using var stateScope = RenderState.Enter(state);
        var current = template;
        try
        {
            var compiled = Compile(template, partials, ref current);

            // The clock starts after compiling: compile cost depends only on the template's length, which is bounded,
            // and a cold first compile must not count against a node's render.
            var watchdog = new RenderWatchdog(_time, _options.TimeLimit, _options.MaxOutputChars, cancellationToken);
            using var watchScope = RenderWatchdog.Enter(watchdog);
            var writer = new LimitedTextWriter(_options.MaxOutputChars);
            compiled(writer, model, null);
            watchdog.CheckTime();
            return (writer.ToString(), state.SecretsUsed);
        }
        catch (TemplateLimitException ex)
        {
            Log.LimitExceeded(_logger, template.Name, template.Version, ex.Message);
            throw;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not InsufficientExecutionStackException)
        {
            var inner = Unwrap(ex);
            if (inner is TemplateLimitException limit)
            {
                Log.LimitExceeded(_logger, template.Name, template.Version, limit.Message);
                throw limit;
            }

            if (inner is OperationCanceledException cancelled)
            {
                throw cancelled;
            }

            throw Translate(inner, current, template, partials);
        }
    }

    private HandlebarsTemplate<TextWriter, object, object> Compile(TemplateSource template, IReadOnlyList<TemplateSource> partials, ref TemplateSource current)
    {
        // Environments are cached per exact partial set and templates per exact text, so a boot storm renders from
        // compiled delegates; any edit changes the key. Bounded: cleared when it grows past CacheLimit.
        var key = Fingerprint(partials);
        if (!_environments.TryGetValue(key, out var set))
        {
            var hb = CreateEnvironment();
            foreach (var partial in partials)
            {
                current = partial;
                hb.RegisterTemplate(partial.PartialName, partial.Content);
            }

            current = template;
            if (_environments.Count >= CacheLimit)
            {
                _environments.Clear();
            }

            set = _environments.GetOrAdd(key, new CompiledSet(hb));
        }

        current = template;
        if (set.Templates.TryGetValue(template.Content, out var compiled))
        {
            return compiled;
        }

        using var reader = new StringReader(template.Content);
        compiled = set.Environment.Compile(reader);
        if (set.Templates.Count >= CacheLimit)
        {
            set.Templates.Clear();
        }

        set.Templates[template.Content] = compiled;
        return compiled;
    }

    private static string Fingerprint(IReadOnlyList<TemplateSource> partials)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var p in partials.OrderBy(p => p.PartialName, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(p.PartialName + "\0" + p.Content + "\0"));
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private sealed class CompiledSet(IHandlebars environment)
    {
        public IHandlebars Environment { get; } = environment;

        public System.Collections.Concurrent.ConcurrentDictionary<string, HandlebarsTemplate<TextWriter, object, object>> Templates { get; } =
            new(StringComparer.Ordinal);
    }

    private IHandlebars CreateEnvironment()
    {
        var config = new HandlebarsConfiguration
        {
            ThrowOnUnresolvedBindingExpression = true,
            NoEscape = true,
            PartialRecursionDepthLimit = _options.MaxPartialDepth,
        };
        config.FormatterProviders.Add(new NullValueFormatter());
        var hb = Handlebars.Create(config);
        TemplateHelpers.Register(hb);
        return hb;
    }

    private static Exception Unwrap(Exception ex)
    {
        // Handlebars wraps helper exceptions; the innermost of ours is the useful one.
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is TemplateRenderException or OperationCanceledException)
            {
                return e;
            }
        }

        return ex;
    }

    private static TemplateRenderException Translate(Exception ex, TemplateSource current, TemplateSource template, IReadOnlyList<TemplateSource> partials)
    {
        switch (ex)
        {
            case TemplateRenderException { Line: not null } located:
                return located;
            case HandlebarsParserException parse when ParsePosition(parse.Message) is var (line, column):
                return new TemplateRenderException($"{current.Name}:{line}:{column}: syntax error: {FirstLine(parse.Message)}", ex)
                    { TemplateName = current.Name, Line = line, Column = column };
            case HandlebarsUndefinedBindingException undefined:
            {
                var (where, line) = Locate(undefined.MissingKey, template, partials);
                var message = $"{Prefix(where, line)}'{undefined.Path}' is not defined for this context " +
                              "(unknown variable or helper; docs/templates.md lists the context and the helpers)";
                return new TemplateRenderException(message, ex) { TemplateName = where.Name, Line = line };
            }

            default:
            {
                // A helper error or a runtime error: point at the first tag naming the helper, when there is one.
                var helper = ex.Message.Split(':', 2)[0];
                var (where, line) = TemplateHelpers.Names.Contains(helper) ? Locate(helper, template, partials) : (current, null);
                return new TemplateRenderException($"{Prefix(where, line)}{FirstLine(ex.Message)}", ex) { TemplateName = where.Name, Line = line };
            }
        }
    }

    private static string Prefix(TemplateSource where, int? line) => line is null ? $"{where.Name}: " : $"{where.Name}:{line}: ";

    private static (TemplateSource Where, int? Line) Locate(string name, TemplateSource template, IReadOnlyList<TemplateSource> partials)
    {
        var pattern = new Regex(@"\{\{[^}]*(?<![\w-])" + Regex.Escape(name) + @"(?![\w-])", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        foreach (var source in partials.Prepend(template))
        {
            var match = pattern.Match(source.Content);
            if (match.Success)
            {
                var line = 1 + source.Content.AsSpan(0, match.Index).Count('\n');
                return (source, line);
            }
        }

        return (template, null);
    }

    private static (int Line, int Column)? ParsePosition(string message)
    {
        var match = Regex.Match(message, @"Occured at:\s*(\d+):(\d+)", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return match.Success ? (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)) : null;
    }

    private static string FirstLine(string message)
    {
        var i = message.IndexOf('\n', StringComparison.Ordinal);
        return (i < 0 ? message : message[..i]).Trim();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7001, Level = LogLevel.Debug,
            Message = "Rendered template {Template} v{Version} for {Hostname} ({Mode}): {Chars} chars in {ElapsedMs:0.0} ms")]
        public static partial void Rendered(ILogger logger, string template, int version, string hostname, RenderMode mode, int chars, double elapsedMs);

        [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Template {Template} v{Version} stopped: {Reason}")]
        public static partial void LimitExceeded(ILogger logger, string template, int version, string reason);
    }
}
