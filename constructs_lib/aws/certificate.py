"""An ACM certificate for a domain, validated through DNS records in a Route 53 hosted zone."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformIterator, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.route53_record import Route53Record
from constructs import Construct


@dataclass(frozen=True)
class DnsValidatedCertificateProps:
    """Props of :class:`DnsValidatedCertificate`.

    Attributes:
        domain_name: The name the certificate is for, e.g. ``analytics.example.com``.
        hosted_zone_id: The Route 53 zone that answers for ``domain_name``.
        key_algorithm: ``RSA_2048`` or an ``EC_`` algorithm. Default ``RSA_2048`` (widest client support).
        validation_records: Create the validation records in the zone. ACM asks for the same record for a domain
            in every region of an account, so a second certificate of the domain (a disaster-recovery standby's)
            sets ``False``: it is validated by the record the first one's stack owns, and destroying its stack
            leaves that record (and the first certificate's renewals) alone. Default ``True``.
    """

    domain_name: str
    hosted_zone_id: str
    key_algorithm: str = "RSA_2048"
    validation_records: bool = True


class DnsValidatedCertificate(Construct):
    """A public ACM certificate that Terraform waits for until DNS validation has issued it.

    The validation records are created in the hosted zone (unless another stack owns them, see
    :attr:`DnsValidatedCertificateProps.validation_records`); ACM renews the certificate on its own as long as
    they stay. ``arn`` refers to the issued certificate, so listeners wait for it.
    """

    def __init__(self, scope: Construct, id_: str, props: DnsValidatedCertificateProps) -> None:
        super().__init__(scope, id_)
        certificate = AcmCertificate(
            self, "certificate", domain_name=props.domain_name, validation_method="DNS",
            key_algorithm=props.key_algorithm,
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        records: list[Route53Record] = []
        if props.validation_records:
            options = TerraformIterator.from_complex_list(certificate.domain_validation_options, "domain_name")
            records.append(Route53Record(
                self, "validation_record",
                for_each=options,
                zone_id=props.hosted_zone_id,
                name=options.get_string("resource_record_name"),
                type=options.get_string("resource_record_type"),
                records=[options.get_string("resource_record_value")],
                ttl=300,
                allow_overwrite=True,
            ))
        self.validation = AcmCertificateValidation(
            self, "validation", certificate_arn=certificate.arn, depends_on=list(records) or None
        )

    @property
    def arn(self) -> str:
        """ARN of the certificate, available once it has been issued."""
        return self.validation.certificate_arn
