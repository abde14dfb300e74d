package emulator

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// Access tokens are JWTs signed with RS256, as Auth0's are: tools such as
// the auth0 CLI decode them and refuse an opaque token. The signing key is
// made once per process (an RSA key takes a while to make, and tests start
// many tenants) and published at /.well-known/jwks.json.

type signingKey struct {
	key  *rsa.PrivateKey
	kid  string
	cert []byte // a self-signed certificate of the key, for the JWKS's x5c
}

var processSigningKey = sync.OnceValues(func() (*signingKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(sum[:8]),
		Subject:      pkix.Name{CommonName: "linkdesk sandbox tenant"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(10 * 365 * 24 * time.Hour),
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &signingKey{key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:16]), cert: cert}, nil
})

// tokenClaims are the claims of an access token for the Management API.
type tokenClaims struct {
	Iss   string `json:"iss"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	Scope string `json:"scope"`
	Gty   string `json:"gty"`
	Azp   string `json:"azp"`
	Jti   string `json:"jti"`
}

// sign returns the compact JWS of claims.
func (k *signingKey) sign(claims tokenClaims) (string, error) {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": k.kid})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signed + "." + enc.EncodeToString(sig), nil
}

// jwks is the key set as /.well-known/jwks.json serves it.
func (k *signingKey) jwks() []byte {
	enc := base64.RawURLEncoding
	thumb := sha256.Sum256(k.cert)
	pub := &k.key.PublicKey
	body, _ := json.Marshal(map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.kid,
		"n":   enc.EncodeToString(pub.N.Bytes()),
		"e":   enc.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		"x5c": []string{base64.StdEncoding.EncodeToString(k.cert)},
		"x5t": enc.EncodeToString(thumb[:20]),
	}}})
	return body
}

// issuer is the tenant's issuer URL as a client reached it: scheme, host
// and a slash, as Auth0's "https://TENANT/".
func issuer(r *http.Request) string { return servedAt(r) + "/" }

// servedAt is the scheme and host a client reached the tenant at
// ("http://127.0.0.1:4780", or https with --tls): where the URLs the tenant
// hands out (its issuer, an export's download, a ticket) point, so that
// they open on this sandbox, as Auth0's point at https://TENANT.
func servedAt(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// handleJWKS is GET /.well-known/jwks.json.
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	k, err := processSigningKey()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, k.jwks())
}

// handleOpenIDConfiguration is GET /.well-known/openid-configuration: the
// few members a client reads to find the keys and the token endpoint.
func (s *Server) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	iss := issuer(r)
	body, _ := json.Marshal(map[string]any{
		"issuer": iss, "jwks_uri": iss + ".well-known/jwks.json", "token_endpoint": iss + "oauth/token",
		"grant_types_supported":                 []string{"client_credentials", "password", "http://auth0.com/oauth/grant-type/password-realm"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
	writeJSON(w, http.StatusOK, body)
}
