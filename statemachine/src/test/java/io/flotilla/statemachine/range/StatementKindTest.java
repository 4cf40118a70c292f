package io.flotilla.statemachine.range;

import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How statements travel; above all, nothing that could stop or rewrite a replica's database passes as transaction control. */
class StatementKindTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SELECT 1|QUERY",
        "INSERT INTO T VALUES (1)|DML",
        "UPDATE T SET A = 2|DML",
        "DELETE FROM T|DML",
        "MERGE INTO T KEY(A) VALUES (1)|DML",
        "CREATE TABLE U(ID INT PRIMARY KEY)|DDL",
        "ALTER TABLE T ADD COLUMN B INT|DDL",
        "DROP TABLE T|DDL",
        "TRUNCATE TABLE T|DDL",
        "COMMIT|TRANSACTION",
        "ROLLBACK|TRANSACTION",
        "SAVEPOINT S1|TRANSACTION",
        "SHUTDOWN|OTHER",
        "SHUTDOWN IMMEDIATELY|OTHER",
        "CHECKPOINT|OTHER",
        "CHECKPOINT SYNC|OTHER",
        "SET MAX_MEMORY_ROWS 10|OTHER",
        "SCRIPT|OTHER",
        "SCRIPT TO 'x.sql'|OTHER",
        "RUNSCRIPT FROM 'x.sql'|OTHER",
        "BACKUP TO 'x.zip'|OTHER",
        "SET AUTOCOMMIT TRUE|OTHER",
    })
    void classifies(String sql, StatementKind expected) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:kinds-" + UUID.randomUUID(), "sa", "")) {
            c.createStatement().execute("CREATE TABLE T(A INT PRIMARY KEY)");
            SessionLocal session = (SessionLocal) c.unwrap(JdbcConnection.class).getSession();
            assertEquals(expected, StatementKind.of(session.prepare(sql)), sql);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "SELECT FILE_READ('/etc/passwd')",
        "SELECT file_write('x', '/tmp/owned')",
        "CALL CSVWRITE('/tmp/x.csv', 'SELECT 1')",
        "SELECT * FROM CSVREAD('/etc/hosts')",
        "CALL LINK_SCHEMA('X', '', 'jdbc:h2:mem:x', 'sa', '', 'PUBLIC')",
        "CALL ABORT_SESSION(1)",
        "SELECT CANCEL_SESSION(SESSION_ID())",
        "SELECT DATABASE_PATH()",
        "CREATE TRIGGER TR BEFORE INSERT ON T AS 'org.h2.api.Trigger create() { return null; }'",
        "create force trigger TR before insert on T as $$ org.h2.api.Trigger create() { return null; } $$",
    })
    void reachingBeyondTheSessionIsRefused(String sql) {
        java.sql.SQLException e = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                () -> NodeAccess.refuse(sql));
        assertEquals(SqlStates.NOT_SUPPORTED, e.getSQLState());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "SELECT 'FILE_READ(x)' FROM T",
        "SELECT \"FILE_WRITE\" FROM T",
        "SELECT A FROM T -- CSVREAD later",
        "SELECT A /* LINK_SCHEMA */ FROM T",
        "SELECT FILE_READER FROM T",
        "SELECT SCRIPT, BACKUP FROM JOBS",
        "CREATE TRIGGER TR BEFORE INSERT ON T FOR EACH ROW CALL 'io.example.Audit'",
        "CREATE FORCE VIEW V AS SELECT A FROM T",
        "SELECT A AS CREATE_TRIGGER FROM T",
    })
    void theSameWordsInLiteralsNamesAndCommentsAreFine(String sql) throws Exception {
        NodeAccess.refuse(sql);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "INSERT INTO FLOTILLA.SESSIONS(SESSION_ID) VALUES (X'01')",
        "DELETE FROM FLOTILLA.APPLIED",
        "UPDATE flotilla.applied SET APPLIED_INDEX = 0",
        "MERGE INTO FLOTILLA.APPLIED KEY(ID) VALUES (0, 0, 0)",
        "DROP ALL OBJECTS",
        "CREATE ALIAS EXIT FOR 'java.lang.System.exit'",
        "CREATE ALIAS HELLO AS 'String hello() { return \"x\"; }'",
        "CREATE LINKED TABLE L('', 'jdbc:h2:mem:other', 'sa', '', 'T')",
        "CREATE LOCAL TEMPORARY TABLE PAD(ID INT PRIMARY KEY)",
        "CREATE GLOBAL TEMPORARY TABLE PAD(ID INT PRIMARY KEY)",
        "CREATE TABLE PAD(ID INT PRIMARY KEY) ENGINE \"org.h2.mvstore.db.MVTableEngine\"",
        "CREATE MEMORY TABLE PAD(ID INT PRIMARY KEY) NOT PERSISTENT",
    })
    void statementsThatReachTheRangesBookkeepingOrLoadCodeAreRefused(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:rules-" + UUID.randomUUID(), "sa", "")) {
            c.createStatement().execute("CREATE SCHEMA FLOTILLA");
            c.createStatement().execute("CREATE TABLE FLOTILLA.APPLIED(ID INT PRIMARY KEY, APPLIED_INDEX BIGINT, T BIGINT)");
            c.createStatement().execute("CREATE TABLE FLOTILLA.SESSIONS(SESSION_ID VARBINARY PRIMARY KEY)");
            SessionLocal session = (SessionLocal) c.unwrap(JdbcConnection.class).getSession();
            java.sql.SQLException e = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    () -> ClientStatementRules.check(session.prepare(sql)), sql);
            assertEquals(SqlStates.NOT_SUPPORTED, e.getSQLState());
        }
    }
}
