package cymig.neo4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.time.Duration;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * A throwaway Neo4j 5.26 Community server for cymig's tests and for trying cymig by hand.
 *
 * <p>Starts an embedded DBMS in a fresh temporary directory with Bolt on 127.0.0.1 (port 0 = any free
 * port, or {@code --port N}), APOC core loaded from {@code --plugins DIR} with {@code apoc.*}
 * unrestricted, then prints exactly one line on stdout:
 *
 * <pre>CYMIG_NEO4J_READY bolt://127.0.0.1:PORT</pre>
 *
 * <p>It runs until its standard input reaches end of file (the parent closed the pipe or died) or it
 * receives SIGTERM/SIGINT, then shuts down and deletes its directory. Tying the server's life to stdin
 * is what keeps a crashed or killed test process from leaking servers.
 *
 * <p>{@code --data DIR} keeps the database in DIR (kept on exit, reused by the next start) instead
 * of a temporary directory: tests use it to stop and restart a server under a running migration.
 *
 * <p>Authentication is off unless the environment variable {@code CYMIG_NEO4J_PASSWORD} is set, in
 * which case user {@code neo4j} gets that password (never printed).
 */
public final class Launcher {
    private static final String READY = "CYMIG_NEO4J_READY";
    /** Neo4j's default {@code dbms.security.auth_minimum_password_length}. */
    private static final int MIN_PASSWORD_LENGTH = 8;

    public static void main(String[] args) throws Exception {
        int port = 0;
        Path plugins = null;
        boolean keepRunningWithoutStdin = false;
        Path data = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--plugins" -> plugins = Paths.get(args[++i]).toAbsolutePath();
                case "--no-stdin" -> keepRunningWithoutStdin = true;
                case "--data" -> data = Paths.get(args[++i]).toAbsolutePath();
                default -> {
                    System.err.println("usage: Launcher [--port N] [--plugins DIR] [--data DIR] [--no-stdin]");
                    System.exit(2);
                }
            }
        }
        String password = System.getenv("CYMIG_NEO4J_PASSWORD");
        boolean auth = password != null && !password.isEmpty();
        if (auth && password.length() < MIN_PASSWORD_LENGTH) {
            // Neo4j would refuse it in ALTER USER after starting, and the server's own threads
            // would then keep this process alive without ever printing the ready line.
            System.err.println("cymig-neo4j: CYMIG_NEO4J_PASSWORD has " + password.length()
                    + " characters; Neo4j requires at least " + MIN_PASSWORD_LENGTH
                    + " (dbms.security.auth_minimum_password_length)");
            System.exit(2);
        }

        boolean keep = data != null;
        Path home = keep ? Files.createDirectories(data) : Files.createTempDirectory("cymig-neo4j-");
        DatabaseManagementService dbms = start(home, port, plugins, auth);
        Runnable stop = once(() -> {
            try {
                dbms.shutdown();
            } finally {
                if (!keep) {
                    deleteTree(home);
                }
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "cymig-neo4j-shutdown"));

        int boltPort;
        try {
            if (auth) {
                setPassword(dbms, password);
            }
            boltPort = boltPort(dbms);
        } catch (RuntimeException e) {
            // Exit (the shutdown hook stops the server) instead of hanging without the ready line.
            System.err.println("cymig-neo4j: the server started but could not be prepared: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.println(READY + " bolt://127.0.0.1:" + boltPort);
        System.out.flush();

        if (keepRunningWithoutStdin) {
            Thread.currentThread().join();
        }
        waitForEndOfInput(System.in);
        stop.run();
        System.exit(0);
    }

    private static DatabaseManagementService start(Path home, int port, Path plugins, boolean auth) {
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("apoc.*"))
                // Production servers often bound lock waits; a transaction that waits longer fails
                // with Neo.TransientError.Transaction.LockAcquisitionTimeout, which the executor
                // must retry (tests/db/db_cli.rs provokes it).
                .setConfig(GraphDatabaseSettings.lock_acquisition_timeout, Duration.ofSeconds(5))
                // Small footprint: CI machines have 2 cores and little memory to spare.
                .setConfig(GraphDatabaseSettings.pagecache_memory, 64L * 1024 * 1024)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false");
        if (plugins != null) {
            builder.setConfig(GraphDatabaseSettings.plugin_dir, plugins);
        }
        return builder.build();
    }

    /** Sets the password and lifts the "change on first login" flag, through the system database. */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        GraphDatabaseService system = dbms.database("system");
        system.executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
    }

    private static int boltPort(DatabaseManagementService dbms) {
        GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database("neo4j");
        ConnectorPortRegister ports = db.getDependencyResolver().resolveDependency(ConnectorPortRegister.class);
        HostnamePort address = ports.getLocalAddress(ConnectorType.BOLT);
        return address.getPort();
    }

    private static void waitForEndOfInput(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // Input is ignored; only its end matters.
            }
        } catch (IOException e) {
            // A broken pipe means the parent is gone: shut down as for end of input.
        }
    }

    private static Runnable once(Runnable action) {
        return new Runnable() {
            private boolean done;

            @Override
            public synchronized void run() {
                if (!done) {
                    done = true;
                    action.run();
                }
            }
        };
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("cymig-neo4j: could not delete " + root + ": " + e.getMessage());
        }
    }
}
