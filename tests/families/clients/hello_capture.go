// Sends one ClientHello from Go's crypto/tls to host:port and returns when the server refuses
// it. -min and -max set tls.Config's MinVersion and MaxVersion ("1.0" ... "1.3"); everything
// else is crypto/tls's default client configuration.
//
//	go run hello_capture.go -min 1.0 -max 1.0 localhost:4433
package main

import (
	"crypto/tls"
	"flag"
	"log"
)

var versions = map[string]uint16{
	"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13,
}

func main() {
	min := flag.String("min", "1.2", "lowest TLS version offered")
	max := flag.String("max", "1.3", "highest TLS version offered")
	flag.Parse()
	config := &tls.Config{MinVersion: versions[*min], MaxVersion: versions[*max], InsecureSkipVerify: true}
	connection, err := tls.Dial("tcp", flag.Arg(0), config)
	if err == nil {
		connection.Close()
		log.Fatal("the capture server accepted a handshake")
	}
}
