package gen

import (
	"encoding/json"

	"github.com/linkdesk/linkdesk/emulator"
)

// The generator's vocabulary: connections as GET /api/v2/connections returns
// them, and the names, domains and values its users are made of. Every
// string here is static, so generated users share it instead of copying it.

// connKind indexes genConns.
type connKind uint8

const (
	connUPA connKind = iota
	connGoogle
	connGitHub
	connAcme
	connSMS
	connFamily
	connLegacy
	numConns
)

// connInfo is a generated connection. Its strategy is also the provider of
// its identities and the prefix of its users' user_id.
type connInfo struct {
	name, display, strategy string
	social                  bool
	database                bool // stores email lower-cased
	options                 string
}

// genClientIDs are the sandbox tenant's applications, enabled on every connection.
var genClientIDs = []string{"kR3v8QhZLx2NcT5wPa9dYbJ6mUe4sGfA", "p7WnE2cXq9LzK4tVb6HmRy3JdF8sAgUo"}

var genConns = [numConns]connInfo{
	connUPA: {name: "Username-Password-Authentication", strategy: "auth0", database: true, options: `{
		"mfa":{"active":true,"return_enroll_settings":true},
		"import_mode":false,"configuration":{},"customScripts":{},
		"passwordPolicy":"good","password_history":{"size":5,"enable":false},
		"strategy_version":2,"password_dictionary":{"enable":false,"dictionary":[]},
		"brute_force_protection":true,"password_no_personal_info":{"enable":false},
		"password_complexity_options":{"min_length":8},"enabledDatabaseCustomization":false,
		"precedence":["email","username","phone_number"],
		"attributes":{"email":{"identifier":{"active":true},"profile_required":true,
			"signup":{"status":"required","verification":{"active":true}},
			"unique":true,"verification_method":"link"}},
		"authentication_methods":{"password":{"enabled":true},"passkey":{"enabled":false}}}`},
	connGoogle: {name: "google-oauth2", strategy: "google-oauth2", social: true, options: `{
		"email":true,"profile":true,"scope":["email","profile"],
		"client_id":"482213957160-4kq9sd0vjb1c2r7hmft3alxeu6pno8wz.apps.googleusercontent.com"}`},
	connGitHub: {name: "github", strategy: "github", social: true, options: `{
		"email":true,"profile":true,"read_user":true,"scope":["user:email","read:user"],
		"client_id":"Iv1.8a61f9b3a7aba766"}`},
	connAcme: {name: "acme-corp", display: "Acme Corp SSO", strategy: "samlp", options: `{
		"signInEndpoint":"https://idp.acme.com/app/acme_auth0/exk1fcia6d6EMsf0c0h8/sso/saml",
		"signOutEndpoint":"https://idp.acme.com/app/acme_auth0/exk1fcia6d6EMsf0c0h8/slo/saml",
		"signingCert":"MIIDpDCCAoygAwIBAgIGAYtQ0g4HMA0GCSqGSIb3DQEBCwUAMIGSMQswCQYDVQQGEwJVUzETMBEGA1UECAwKQ2FsaWZvcm5pYTEWMBQGA1UEBwwNU2FuIEZyYW5jaXNjbzENMAsGA1UECgwEQWNtZTEUMBIGA1UECwwLU1NPUHJvdmlkZXI=",
		"signatureAlgorithm":"rsa-sha256","digestAlgorithm":"sha256",
		"protocolBinding":"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
		"tenant_domain":"acme.com","domain_aliases":["acme.com","acme.co.uk"],
		"thumbprints":["1d9a7c3e5b2f40a8c6e1f7b3d5a9c2e4f6b8d0a1"],
		"fieldsMap":{"email":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"},
		"user_id_attribute":"","debug":false,"disableSignout":false,"signSAMLRequest":true,
		"icon_url":"https://acme.com/logo.png","expires":"2031-06-30T12:00:00.000Z",
		"subject":{"commonName":"idp.acme.com"}}`},
	connSMS: {name: "sms", strategy: "sms", options: `{
		"name":"sms","from":"+15555550100","syntax":"md_with_macros",
		"template":"Your verification code is: @@password@@",
		"totp":{"time_step":300,"length":6},"provider":"twilio",
		"twilio_sid":"AC6a2f0c1d5b8e47f39a0b2c4d6e8f1a3b","messaging_service_sid":null,
		"brute_force_protection":true,"disable_signup":false}`},
	connFamily: {name: "family-accounts", display: "Families and shops", strategy: "auth0", database: true, options: `{
		"import_mode":false,"passwordPolicy":"good","strategy_version":2,
		"brute_force_protection":true,"enabledDatabaseCustomization":false,"disable_signup":false,
		"precedence":["username","email","phone_number"],
		"attributes":{
			"email":{"unique":false,"identifier":{"active":false},"profile_required":true,
				"signup":{"status":"required","verification":{"active":true}}},
			"username":{"identifier":{"active":true},"profile_required":true,"signup":{"status":"required"},
				"validation":{"min_length":3,"max_length":64,"allowed_types":{"email":false,"phone_number":false}}}},
		"authentication_methods":{"password":{"enabled":true},"passkey":{"enabled":false}}}`},
	connLegacy: {name: "legacy-members", display: "Legacy members (MySQL)", strategy: "auth0", database: true, options: `{
		"enabledDatabaseCustomization":true,"import_mode":false,"requires_username":true,
		"validation":{"username":{"min":1,"max":32}},"disable_signup":true,
		"passwordPolicy":"fair","brute_force_protection":true,"strategy_version":2,"configuration":{},
		"customScripts":{
			"login":"function login(usernameOrEmail, password, callback) {\n  // members table: email is not unique, username is\n  const mysql = require('mysql');\n  const conn = mysql.createConnection({ host: configuration.DB_HOST, user: 'auth0', database: 'members' });\n  conn.query('SELECT id, username, email, email_verified, password_hash FROM members WHERE username = ? OR email = ? LIMIT 1', [usernameOrEmail, usernameOrEmail], function (err, rows) {\n    if (err) return callback(err);\n    if (rows.length === 0) return callback(new WrongUsernameOrPasswordError(usernameOrEmail));\n    const m = rows[0];\n    bcrypt.compare(password, m.password_hash, function (err, ok) {\n      if (err || !ok) return callback(err || new WrongUsernameOrPasswordError(usernameOrEmail));\n      callback(null, { user_id: String(m.id), username: m.username, email: m.email, email_verified: m.email_verified ? 'true' : 'false' });\n    });\n  });\n}",
			"get_user":"function getByEmail(email, callback) {\n  // returns the first of possibly several members with this email\n  callback(null);\n}"}}`},
}

// nameRec is a name as people write it and the ASCII form used in emails
// and usernames.
type nameRec struct{ display, ascii string }

var givenNames = []nameRec{
	{"James", "james"}, {"Mary", "mary"}, {"John", "john"}, {"Patricia", "patricia"}, {"Robert", "robert"},
	{"Jennifer", "jennifer"}, {"Michael", "michael"}, {"Linda", "linda"}, {"David", "david"}, {"Elizabeth", "elizabeth"},
	{"William", "william"}, {"Barbara", "barbara"}, {"Richard", "richard"}, {"Susan", "susan"}, {"Joseph", "joseph"},
	{"Jessica", "jessica"}, {"Thomas", "thomas"}, {"Sarah", "sarah"}, {"Chris", "chris"}, {"Karen", "karen"},
	{"Daniel", "daniel"}, {"Lisa", "lisa"}, {"Matthew", "matthew"}, {"Nancy", "nancy"}, {"Anthony", "anthony"},
	{"Emily", "emily"}, {"Mark", "mark"}, {"Olivia", "olivia"}, {"Paul", "paul"}, {"Emma", "emma"},
	{"Steven", "steven"}, {"Ava", "ava"}, {"Andrew", "andrew"}, {"Sophia", "sophia"}, {"Kevin", "kevin"},
	{"Isabella", "isabella"}, {"Brian", "brian"}, {"Mia", "mia"}, {"George", "george"}, {"Charlotte", "charlotte"},
	{"Liam", "liam"}, {"Amelia", "amelia"}, {"Noah", "noah"}, {"Harper", "harper"}, {"Ethan", "ethan"},
	{"Evelyn", "evelyn"}, {"Lucas", "lucas"}, {"Abigail", "abigail"}, {"Mason", "mason"}, {"Ella", "ella"},
	{"José", "jose"}, {"María", "maria"}, {"Zoë", "zoe"}, {"Chloé", "chloe"}, {"François", "francois"},
	{"Renée", "renee"}, {"Jürgen", "jurgen"}, {"Björn", "bjorn"}, {"Søren", "soren"}, {"Łukasz", "lukasz"},
	{"Małgorzata", "malgorzata"}, {"Ayşe", "ayse"}, {"Mehmet", "mehmet"}, {"Priya", "priya"}, {"Arjun", "arjun"},
	{"Wei", "wei"}, {"Mei", "mei"}, {"Hiroshi", "hiroshi"}, {"Yuki", "yuki"}, {"太郎", "taro"},
	{"Дмитрий", "dmitry"}, {"Анна", "anna"}, {"محمد", "mohammed"}, {"Fatima", "fatima"}, {"Oluwaseun", "seun"},
	{"Chidi", "chidi"}, {"Siobhán", "siobhan"}, {"Niamh", "niamh"}, {"Aleksandr", "aleksandr"}, {"Ingrid", "ingrid"},
	{"Mateo", "mateo"}, {"Valentina", "valentina"}, {"Thiago", "thiago"}, {"Camila", "camila"}, {"Ana", "ana"},
	{"Luca", "luca"}, {"Giulia", "giulia"}, {"Hannah", "hannah"}, {"Felix", "felix"}, {"Lena", "lena"},
}

var familyNames = []nameRec{
	{"Smith", "smith"}, {"Johnson", "johnson"}, {"Williams", "williams"}, {"Brown", "brown"}, {"Jones", "jones"},
	{"Miller", "miller"}, {"Davis", "davis"}, {"Wilson", "wilson"}, {"Anderson", "anderson"}, {"Taylor", "taylor"},
	{"Thomas", "thomas"}, {"Moore", "moore"}, {"Jackson", "jackson"}, {"Martin", "martin"}, {"Lee", "lee"},
	{"Thompson", "thompson"}, {"White", "white"}, {"Harris", "harris"}, {"Clark", "clark"}, {"Lewis", "lewis"},
	{"Robinson", "robinson"}, {"Walker", "walker"}, {"Young", "young"}, {"Allen", "allen"}, {"King", "king"},
	{"Wright", "wright"}, {"Scott", "scott"}, {"Green", "green"}, {"Baker", "baker"}, {"Adams", "adams"},
	{"Nelson", "nelson"}, {"Hill", "hill"}, {"Campbell", "campbell"}, {"Mitchell", "mitchell"}, {"Roberts", "roberts"},
	{"Carter", "carter"}, {"Phillips", "phillips"}, {"Evans", "evans"}, {"Turner", "turner"}, {"Parker", "parker"},
	{"García", "garcia"}, {"Rodríguez", "rodriguez"}, {"Martínez", "martinez"}, {"Hernández", "hernandez"}, {"López", "lopez"},
	{"González", "gonzalez"}, {"Pérez", "perez"}, {"Sánchez", "sanchez"}, {"Fernández", "fernandez"}, {"Silva", "silva"},
	{"Müller", "muller"}, {"Schmidt", "schmidt"}, {"Schneider", "schneider"}, {"Fischer", "fischer"}, {"Weber", "weber"},
	{"O'Brien", "obrien"}, {"O'Connor", "oconnor"}, {"Murphy", "murphy"}, {"Kelly", "kelly"}, {"Byrne", "byrne"},
	{"Kowalski", "kowalski"}, {"Nowak", "nowak"}, {"Dvořák", "dvorak"}, {"Novák", "novak"}, {"Horváth", "horvath"},
	{"Ødegaard", "odegaard"}, {"Lindqvist", "lindqvist"}, {"Johansson", "johansson"}, {"Virtanen", "virtanen"}, {"Jensen", "jensen"},
	{"Yılmaz", "yilmaz"}, {"Çelik", "celik"}, {"Patel", "patel"}, {"Sharma", "sharma"}, {"Singh", "singh"},
	{"Nguyễn", "nguyen"}, {"Trần", "tran"}, {"Wang", "wang"}, {"Li", "li"}, {"Zhang", "zhang"},
	{"Tanaka", "tanaka"}, {"Suzuki", "suzuki"}, {"山田", "yamada"}, {"Kim", "kim"}, {"Park", "park"},
	{"Иванов", "ivanov"}, {"Petrov", "petrov"}, {"Okafor", "okafor"}, {"Adeyemi", "adeyemi"}, {"Haddad", "haddad"},
	{"van der Berg", "vandenberg"}, {"de Vries", "devries"}, {"Rossi", "rossi"}, {"Bianchi", "bianchi"}, {"Dubois", "dubois"},
}

// consumerDomains are weighted by repetition, like the mix of a real tenant.
var consumerDomains = []string{
	"gmail.com", "gmail.com", "gmail.com", "gmail.com", "gmail.com", "gmail.com", "gmail.com", "gmail.com",
	"outlook.com", "outlook.com", "hotmail.com", "yahoo.com", "yahoo.com", "icloud.com", "icloud.com",
	"proton.me", "gmx.de", "web.de", "orange.fr", "comcast.net",
}

// workspaceDomains are companies whose mail is hosted by Google: their people
// can sign in with google-oauth2 too.
var workspaceDomains = []string{"initech.com", "globex.io", "hooli.xyz", "piedpiper.com", "vandelay.com", "stark-industries.net"}

const acmeDomain = "acme.com"

var shopNames = []string{
	"rosebakery", "bluebikeshop", "cornerbooks", "greenleafcafe", "northstarpharmacy", "sunnyflorist",
	"harborhardware", "pixelprint", "oakandiron", "tinytoys",
}

var shopLocations = []string{"downtown", "airport", "mall", "harbor", "uptown", "station", "westside", "online"}

var (
	metaThemes    = []string{"dark", "light", "system"}
	metaLanguages = []string{"en", "de", "fr", "es", "pt-BR", "ja", "pl", "tr"}
	metaTimezones = []string{"Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Europe/London", "America/Sao_Paulo"}
	metaPlans     = []string{"free", "pro", "team", "enterprise"}
	metaRoleSets  = []string{`["member"]`, `["admin","billing"]`, `["member","beta"]`, `["support"]`, `["owner","admin"]`}
)

// phonePrefixes start a mobile number in a few countries; nine unique digits follow.
var phonePrefixes = []string{"+12", "+13", "+447", "+4915", "+336", "+919", "+614", "+55119"}

// ipFirstOctets avoid private, loopback and multicast ranges.
var ipFirstOctets = []byte{24, 31, 37, 46, 62, 68, 73, 81, 86, 92, 98, 104, 109, 142, 151, 176, 185, 188, 203, 212}

// Roles are the generated tenant's roles.
func Roles() []*emulator.Role {
	return []*emulator.Role{
		{ID: "rol_Q1mVx7TzR3aLpK9d", Name: "admin", Description: "Full access to the customer portal"},
		{ID: "rol_b8WcN2yHs5FjUe4g", Name: "support", Description: "Reads customer accounts"},
		{ID: "rol_Lk3Pq9ZtX6vRm1Ya", Name: "billing", Description: "Manages invoices and plans"},
		{ID: "rol_fG7hJ2kD4sA8wE5r", Name: "beta-tester", Description: "Sees features before release"},
	}
}

// Organizations are the generated tenant's organizations.
func Organizations() []*emulator.Organization {
	return []*emulator.Organization{
		{ID: "org_3hbVAMF8F3wVIcEJ", Name: "acme", DisplayName: "Acme Corp", Branding: json.RawMessage(`{"logo_url":"https://acme.com/logo.png"}`)},
		{ID: "org_SST1yp2pazgSiMYi", Name: "globex", DisplayName: "Globex"},
		{ID: "org_Wz2uMwAVQmfRb03I", Name: "initech", DisplayName: "Initech", Metadata: json.RawMessage(`{"tier":"gold"}`)},
	}
}
