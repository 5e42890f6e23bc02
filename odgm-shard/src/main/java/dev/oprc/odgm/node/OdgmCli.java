package dev.oprc.odgm.node;

import io.grpc.ManagedChannel;
import io.grpc.Grpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code odgm} command line ({@code ./odgm} runs it): {@code node} runs a node ({@code node
 * --help} lists every variable from {@link NodeSettings#CATALOGUE}), {@code cli} talks to one
 * ({@link CliCommands}), {@code help} and {@code --version} (version and git commit, {@link BuildInfo}).
 *
 * <pre>
 * odgm cli [--node host:port] trigger  example/0/order-1 status on_update example/0/log
 * odgm cli [--node host:port] trigger rm example/0/order-1 status on_update example/0/log
 * odgm cli [--node host:port] put      example/0/order-1 status=paid [key=value ...]
 * odgm cli [--node host:port] get      example/0/order-1
 * odgm cli [--node host:port] list     example/0
 * odgm cli [--node host:port] invoke   example/0/order-1 echo [payload]
 * odgm cli [--node host:port] stats
 * odgm cli --ca ca.crt [--cert client.crt --key client.key] --node host:port get ...   (TLS, mutual TLS)
 * </pre>
 *
 * Exit codes: 0 done, 1 a failed call, 2 bad arguments (an unknown command: one usage line). An
 * instance is the client for tests: {@link #run} runs one {@code cli} command on a given channel.
 * Not thread-safe.
 */
public final class OdgmCli {
  private final ManagedChannel channel;
  private final PrintStream out;
  private final PrintStream err;

  /** A client running {@code cli} commands on {@code channel} (not closed here), printing to {@code out}. */
  OdgmCli(ManagedChannel channel, PrintStream out) {
    this(channel, out, System.err);
  }

  OdgmCli(ManagedChannel channel, PrintStream out, PrintStream err) {
    this.channel = channel;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] argv) {
    System.exit(execute(System.out, System.err, argv));
  }

  /** Runs {@code odgm argv...}; returns the exit code. A channel it opens is closed before it returns. */
  static int execute(PrintStream out, PrintStream err, String... argv) {
    CliCommands cli = new CliCommands((node, tls) -> Grpc.newChannelBuilder(node, tls.credentials()).build());
    CommandLine cl = new CommandLine(new Top()).addSubcommand(new HelpCommand())
        .addSubcommand(nodeCommand()).addSubcommand(new CommandLine(cli));
    try {
      return configure(cl, out, err).execute(argv);
    } finally {
      close(cli.opened());
    }
  }

  /** Runs one {@code cli} command ({@code args} after {@code cli}) on this client's channel; returns the exit code. */
  int run(List<String> args) {
    CommandLine cl = new CommandLine(new CliCommands((node, tls) -> channel));
    return configure(cl, out, err).execute(args.toArray(String[]::new));
  }

  private static CommandLine configure(CommandLine cl, PrintStream out, PrintStream err) {
    cl.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cl.setUsageHelpWidth(100);
    cl.setParameterExceptionHandler(OdgmCli::badArguments);
    cl.setExecutionExceptionHandler(OdgmCli::failed);
    return cl;
  }

  private static CommandLine nodeCommand() {
    CommandLine node = new CommandLine(new NodeCommand());
    node.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER,
        help -> NodeHelp.variables(NodeSettings.CATALOGUE) + "\n");
    return node;
  }

  /** Unknown command or option, missing or malformed argument: the message, the usage line, exit 2. */
  private static int badArguments(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("odgm: " + ex.getMessage());
    UnmatchedArgumentException.printSuggestions(ex, err);
    usageLine(cl, err);
    return 2;
  }

  private static void usageLine(CommandLine cl, PrintWriter err) {
    err.print("Usage: " + cl.getHelp().synopsis(0));
    err.println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for more.");
  }

  /** A failed call: one line with the gRPC status, exit 1; a bad argument found while running: exit 2. */
  private static int failed(Exception ex, CommandLine cl, ParseResult parsed) throws Exception {
    PrintWriter err = cl.getErr();
    if (ex instanceof StatusRuntimeException e) {
      Status s = e.getStatus();
      err.println("odgm: " + s.getCode() + ": " + s.getDescription()
          + (s.getCode() == Status.Code.UNAVAILABLE ? " (is a node running on " + node(cl) + "?)" : ""));
      return 1;
    }
    if (ex instanceof IllegalArgumentException) {
      err.println("odgm: " + ex.getMessage());
      usageLine(cl, err);
      return 2;
    }
    throw ex;
  }

  private static String node(CommandLine cl) {
    for (CommandLine c = cl; c != null; c = c.getParent()) {
      if (c.getCommand() instanceof CliCommands cli) {
        return cli.node;
      }
    }
    return "?";
  }

  private static void close(ManagedChannel ch) {
    if (ch == null) {
      return;
    }
    ch.shutdownNow();
    try {
      ch.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code odgm}: the commands. */
  @Command(name = "odgm", mixinStandardHelpOptions = true, versionProvider = BuildInfo.Provider.class,
      synopsisSubcommandLabel = "COMMAND",
      description = {"A runnable ODGM node with an event system (triggers on data and function events), and a "
          + "client for it.", "", "Run './odgm COMMAND --help' for a command's arguments, e.g. './odgm node --help' "
          + "for every variable a node reads, './odgm cli --help' for the client's commands."},
      footer = {"", "Exit codes: 0 done, 1 a failed call, 2 bad arguments. './odgm' with no command runs a node."})
  static final class Top implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      usageLine(spec.commandLine(), spec.commandLine().getErr());
      return 2; // a command is required
    }
  }

  /** {@code odgm node}: runs a node configured by the environment (the launcher runs it with tuned JVM options). */
  @Command(name = "node", mixinStandardHelpOptions = true, versionProvider = BuildInfo.Provider.class,
      description = {"Runs an ODGM node, configured by environment variables ('odgm node --help' lists them).", "",
          "It takes no arguments: it reads the variables below (unset: the default shown), serves gRPC "
          + "(DataService, OprcFunction) and the Zenoh API, and stops on SIGTERM after draining its events. A "
          + "configuration it cannot use exits 2 with one line naming the variable."})
  static final class NodeCommand implements Callable<Integer> {
    @Override
    public Integer call() throws InterruptedException {
      NodeMain.run(System.getenv());
      return 0;
    }
  }
}
