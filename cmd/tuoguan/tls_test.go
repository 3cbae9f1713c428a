package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key to dir, returning their files and the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tuoguan test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir)
	if cfg, err := tlsConfig("", ""); cfg != nil || err != nil {
		t.Fatalf("neither set: want plain HTTP, got %v, %v", cfg, err)
	}
	if _, err := tlsConfig(certFile, ""); err == nil {
		t.Fatal("a certificate without its key is refused")
	}
	if _, err := tlsConfig("", keyFile); err == nil {
		t.Fatal("a key without its certificate is refused")
	}
	if _, err := tlsConfig(filepath.Join(dir, "missing.pem"), keyFile); err == nil {
		t.Fatal("a missing certificate is refused")
	}
	if _, err := tlsConfig(keyFile, certFile); err == nil {
		t.Fatal("swapped files are refused")
	}
	cfg, err := tlsConfig(certFile, keyFile)
	if err != nil || len(cfg.Certificates) != 1 || cfg.MinVersion != tls.VersionTLS12 {
		t.Fatalf("got %v, %v", cfg, err)
	}
}

// TestListenHTTPS serves a handler the way serve does with a certificate configured, and asks it over HTTPS.
func TestListenHTTPS(t *testing.T) {
	certFile, keyFile, cert := selfSigned(t, t.TempDir())
	cfg, err := tlsConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "secure")
	})}
	errc := make(chan error, 1)
	go func() { errc <- listen(srv, cfg) }()
	defer func() {
		_ = srv.Close()
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var res *http.Response
	for i := 0; ; i++ {
		res, err = client.Get("https://" + addr + "/")
		if err == nil || i > 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.TLS == nil || string(body) != "secure" {
		t.Fatalf("got TLS %v, body %q", res.TLS != nil, body)
	}
	// Plain HTTP to the same port is not served the app.
	if r, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/"); err == nil {
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if string(b) == "secure" {
			t.Fatal("plain HTTP was answered")
		}
	}
}
