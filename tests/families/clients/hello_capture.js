// Sends one ClientHello from Node's tls module to localhost:PORT. VERSION "1.0" ... "1.3" pins
// minVersion and maxVersion to it; "default" keeps Node's defaults. For 1.0 and 1.1 the cipher
// list is Node's default with '@SECLEVEL=0' appended (OpenSSL 3 refuses them above level 0).
//   node hello_capture.js VERSION PORT
const tls = require('tls');
const [version, port] = process.argv.slice(2);
const names = {'1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3'};
const options =
    {host: 'localhost', port: Number(port), servername: 'localhost', rejectUnauthorized: false};
if (version !== 'default') options.minVersion = options.maxVersion = names[version];
if (version === '1.0' || version === '1.1') options.ciphers = tls.DEFAULT_CIPHERS + ':@SECLEVEL=0';
tls.connect(options).on('error', () => process.exit(0));
