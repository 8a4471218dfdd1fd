package dev.ferry.client.history;

import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * Sessions as CSV (RFC 4180): a header line, CRLF line ends, fields with a comma, a quote, CR or LF
 * quoted, quotes doubled. Times are ISO-8601 instants in UTC, durations in seconds, bytes exact.
 * New columns only ever go at the end, so a consumer that reads by position keeps working.
 */
public final class HistoryCsv {
  public static final String HEADER =
      "start,end,duration_s,gateway,gateway_name,proxy,local_port,client_port,bytes_up,bytes_down,"
          + "outcome,reason,resumes";

  private HistoryCsv() {}

  public static void write(List<SessionRecord> sessions, Writer out) throws IOException {
    out.write(HEADER);
    out.write("\r\n");
    for (SessionRecord s : sessions) {
      String[] fields = {
        s.start().toString(),
        s.end().toString(),
        String.valueOf(s.duration().toSeconds()),
        s.gateway(),
        s.gatewayName(),
        s.proxy(),
        String.valueOf(s.localPort()),
        String.valueOf(s.clientPort()),
        String.valueOf(s.bytesUp()),
        String.valueOf(s.bytesDown()),
        s.outcome().label(),
        s.reason(),
        String.valueOf(s.resumes())
      };
      for (int i = 0; i < fields.length; i++) {
        if (i > 0) {
          out.write(',');
        }
        out.write(field(fields[i]));
      }
      out.write("\r\n");
    }
    out.flush();
  }

  /** One field, quoted when it must be. */
  static String field(String value) {
    if (value.indexOf(',') < 0
        && value.indexOf('"') < 0
        && value.indexOf('\n') < 0
        && value.indexOf('\r') < 0) {
      return value;
    }
    return '"' + value.replace("\"", "\"\"") + '"';
  }
}
