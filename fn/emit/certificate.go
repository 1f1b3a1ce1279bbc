package emit

import (
	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"github.com/krmfn/krm-fn/fn/model"
)

// Certificate builds the cert-manager Certificate of a credential Secret:
// in the gateway's namespace, named as the Secret it writes, for the
// hosts the Secret serves, from the platform's issuer.
func Certificate(c model.Certificate) *cmv1.Certificate {
	return &cmv1.Certificate{
		TypeMeta:   KindCertificate.TypeMeta(),
		ObjectMeta: ownedMeta(c.Owner, c.Carried, c.Secret, c.Namespace),
		Spec: cmv1.CertificateSpec{
			SecretName: c.Secret,
			DNSNames:   c.Hosts,
			IssuerRef:  cmmeta.IssuerReference{Name: c.Issuer.Name, Kind: c.Issuer.Kind, Group: certManagerGroup},
		},
	}
}
