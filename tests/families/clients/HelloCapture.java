// Sends one ClientHello from the JDK's own TLS stack (JSSE) to host:port and returns when the
// server refuses it. Which versions it offers comes from -Djdk.tls.client.protocols, exactly as
// an operator would set it for an application; nothing here changes JSSE's defaults.
//   java -Djdk.tls.client.protocols=TLSv1 HelloCapture.java localhost 4433
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

public class HelloCapture {
  public static void main(String[] args) throws Exception {
    SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
    try (SSLSocket socket = (SSLSocket) factory.createSocket(args[0], Integer.parseInt(args[1]))) {
      socket.startHandshake();
    } catch (java.io.IOException expected) {
      // The capture server answers every hello with a handshake_failure alert.
    }
  }
}
