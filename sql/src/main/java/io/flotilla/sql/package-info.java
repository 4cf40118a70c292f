/** The node server and the JDBC driver. Not yet built. */
package io.flotilla.sql;
