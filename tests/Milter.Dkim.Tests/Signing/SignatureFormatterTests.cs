using Milter.Dkim.Signing;

namespace Milter.Dkim.Tests.Signing;

/// <summary>The layout is compared with signatures the real OpenDKIM 2.11 wrote (captured with miltertest).</summary>
public class SignatureFormatterTests
{
    [Fact]
    public void Matches_opendkims_layout_with_a_long_h_list_and_l_after_bh()
    {
        const string B = "aSLg+YVclg5lZzAY74LtiaUDjgyZELdyK5K/p405TqdIKISh/v+x8MV/i70oST6tWKe/nxWq6QJgwG+iiwaMnqm1Hl8gEgeuTyi+l1FcCPuyh/72hwADEcRCRPT/PR0Ls0FHp6BdvRSglqGm25TlzxxXfOP54/5M0G/6SLtz2Abc7aLk3rQ40sUjY4gP2f4rztZn39HIaLDvzrVwsnF+UFtpMpV8/x2LpvliPUjHbk0oN3sqyJ7/mhN6Z4znST+zXjZVeSlLFWEE4Rp5qb1WzaKt5TYMLsYbHSOY422rNsKxNZjNW4UxwWqYCP8zDTOhfth8anQlYZCZFw0PYarIkQ==";
        var tags = Tags(("v", "1"), ("a", "rsa-sha256"), ("c", "relaxed/relaxed"), ("d", "example.com"), ("s", "mail2024"),
            ("t", "1795805979"), ("x", "1795809579"), ("i", "user@example.com"), ("bh", "1qgfIku/L3wiut29XUBzDrIM+ws9dOEMq2F4ghTKzrE="), ("l", "3"),
            ("h", "From:To:Subject:Date:Reply-To:Cc:In-Reply-To:References:List-Unsubscribe:List-Id"), ("b", B));

        string expected =
            " v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\r\n" +
            "\ts=mail2024; t=1795805979; x=1795809579; i=user@example.com;\r\n" +
            "\tbh=1qgfIku/L3wiut29XUBzDrIM+ws9dOEMq2F4ghTKzrE=; l=3;\r\n" +
            "\th=From:To:Subject:Date:Reply-To:Cc:In-Reply-To:References:\r\n" +
            "\t List-Unsubscribe:List-Id;\r\n" +
            "\tb=aSLg+YVclg5lZzAY74LtiaUDjgyZELdyK5K/p405TqdIKISh/v+x8MV/i70oST6tW\r\n" +
            "\t Ke/nxWq6QJgwG+iiwaMnqm1Hl8gEgeuTyi+l1FcCPuyh/72hwADEcRCRPT/PR0Ls0F\r\n" +
            "\t Hp6BdvRSglqGm25TlzxxXfOP54/5M0G/6SLtz2Abc7aLk3rQ40sUjY4gP2f4rztZn3\r\n" +
            "\t 9HIaLDvzrVwsnF+UFtpMpV8/x2LpvliPUjHbk0oN3sqyJ7/mhN6Z4znST+zXjZVeSl\r\n" +
            "\t LFWEE4Rp5qb1WzaKt5TYMLsYbHSOY422rNsKxNZjNW4UxwWqYCP8zDTOhfth8anQlY\r\n" +
            "\t ZCZFw0PYarIkQ==";
        Assert.Equal(expected, SignatureFormatter.Format("DKIM-Signature", tags));
    }

    [Fact]
    public void Matches_opendkims_layout_for_a_short_h_list()
    {
        const string B = "A2PW2aJx8maI7/Ix+p1P80Q6yOhR1Bafft+P+/gbX2LYD/0XEIS1YGKqDe8Inwiprk5VboR5lDeeaL+ZpPqGNPB8AGjOy3qeRT188lGmVtmjJgR5gF6vKZ4MmQyLQRf74FjIF6T1x8NAnKhGncGb3eM0aXS/rqiLQdtxDgXKhZ3QQ/CtAq/Aj4+KvrBTPLnmu3LzszKs9T56tDRjpqKM5NPuriJ2U++PITI6zLXsTA8/tKAD19XDNgBbNmXyYIBU1p3SoXY7SpyUtV398HuP1jKB5tVEVKBtZ/IbMgPNS3dL7Gfu38Ija7SEA2Owm20vTO8Fw41ymM0KASUqmfcDDA==";
        var tags = Tags(("v", "1"), ("a", "rsa-sha256"), ("c", "relaxed/simple"), ("d", "example.com"), ("s", "mail2024"),
            ("t", "1795805959"), ("bh", "zS7KNTV0HyeorkDDGwxB1AV6enuRKzO5rthkhdHIRnY="), ("h", "From:To:Subject:Date:From"), ("b", B));

        string expected =
            " v=1; a=rsa-sha256; c=relaxed/simple; d=example.com;\r\n" +
            "\ts=mail2024; t=1795805959;\r\n" +
            "\tbh=zS7KNTV0HyeorkDDGwxB1AV6enuRKzO5rthkhdHIRnY=;\r\n" +
            "\th=From:To:Subject:Date:From;\r\n" +
            "\tb=A2PW2aJx8maI7/Ix+p1P80Q6yOhR1Bafft+P+/gbX2LYD/0XEIS1YGKqDe8Inwipr\r\n" +
            "\t k5VboR5lDeeaL+ZpPqGNPB8AGjOy3qeRT188lGmVtmjJgR5gF6vKZ4MmQyLQRf74Fj\r\n" +
            "\t IF6T1x8NAnKhGncGb3eM0aXS/rqiLQdtxDgXKhZ3QQ/CtAq/Aj4+KvrBTPLnmu3Lzs\r\n" +
            "\t zKs9T56tDRjpqKM5NPuriJ2U++PITI6zLXsTA8/tKAD19XDNgBbNmXyYIBU1p3SoXY\r\n" +
            "\t 7SpyUtV398HuP1jKB5tVEVKBtZ/IbMgPNS3dL7Gfu38Ija7SEA2Owm20vTO8Fw41ym\r\n" +
            "\t M0KASUqmfcDDA==";
        Assert.Equal(expected, SignatureFormatter.Format("DKIM-Signature", tags));
    }

    private static List<KeyValuePair<string, string>> Tags(params (string Name, string Value)[] tags) =>
        tags.Select(tag => new KeyValuePair<string, string>(tag.Name, tag.Value)).ToList();
}
